/**
 * Attack: a stolen access token outlives the sign-out. Before the fix,
 * `POST /api/logout` revoked the refresh token only: sockets opened with the
 * session's access tokens stayed open, and the tokens opened new ones until
 * they expired. Now signing out closes every socket of that sign-in (4401,
 * WebSocket and event stream, on every isolate the bus reaches) and its
 * tokens are refused from then on; other sign-ins of the same account stay.
 */
import { equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { openEventStream } from "../integration/fallback_stream.ts";

const PASSWORD = "correct horse battery";

/** A sign-in (registering ada first if she has no account): its first access token and its cookies. */
async function signIn(server: TestServer) {
  const attempt = (path: string) =>
    fetch(`${server.origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ada", password: PASSWORD }),
    });
  let response = await attempt("/api/register");
  if (response.status === 409) {
    await response.body?.cancel();
    response = await attempt("/api/login");
  }
  equal(response.ok, true);
  const { token } = await response.json();
  const cookie = (name: string) =>
    response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`))!.split(";")[0];
  return { token: token as string, refresh: cookie("sb_refresh"), logout: cookie("sb_logout") };
}

async function refreshToken(server: TestServer, cookie: string) {
  const response = await fetch(`${server.origin}/api/token`, {
    method: "POST",
    headers: { cookie },
  });
  return { status: response.status, token: (await response.json()).token as string | undefined };
}

async function connect(server: TestServer, token: string): Promise<TestSocket> {
  const socket = await openSocket(server.wsUrl, { token });
  equal((await socket.next()).type, "hello");
  return socket;
}

Deno.test("logout closes the sockets of that sign-in with 4401, on every isolate, and its tokens die", async () => {
  await using server = await startTestServer();
  // A second isolate of the same process: same database, same bus.
  await using sibling = await startTestServer({ kvPath: server.kvPath });
  const session = await signIn(server);
  const other = await signIn(server); // the same account on another device

  const first = await connect(server, session.token);
  const refreshed = await refreshToken(server, session.refresh);
  equal(refreshed.status, 200);
  const second = await connect(sibling, refreshed.token!);
  const stream = await openEventStream(server.origin, session.token);
  await using otherDevice = await connect(server, other.token);

  const logout = await fetch(`${server.origin}/api/logout`, {
    method: "POST",
    headers: { cookie: session.logout, origin: server.origin },
  });
  equal(logout.status, 200);
  await logout.body?.cancel();

  for (const socket of [first, second]) {
    const error = await socket.nextOf("error");
    equal(error.code, "unauthorized");
    equal(error.recoverable, false);
    const closed = await socket.closed;
    equal(closed.code, 4401);
    equal(closed.reason, "signed out");
  }
  equal((await stream.nextOf("error")).code, "unauthorized");
  await stream.ended;

  // The stolen access tokens no longer open anything, here or on the sibling.
  for (const [where, token] of [[server, session.token], [sibling, refreshed.token!]] as const) {
    const reopened = await openSocket(where.wsUrl, { token });
    equal((await reopened.closed).code, 4401);
  }
  const events = await fetch(`${server.origin}/api/events`, {
    headers: { authorization: `Bearer ${session.token}` },
  });
  equal(events.status, 401);
  await events.body?.cancel();
  equal((await refreshToken(server, session.refresh)).status, 401, "the refresh cookie is dead");

  // Ada's other sign-in was not touched.
  otherDevice.send({ type: "ping", t: 7 });
  equal((await otherDevice.nextOf("pong")).t, 7);
  const stillValid = await server.services.tokens.verify(other.token);
  ok(stillValid.ok);
});

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { decodeProtectedHeader, SignJWT, UnsecuredJWT } from "jose";
import { startTestServer, TEST_SECRET } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { keyIdOf } from "../../lib/server/auth/tokens.ts";
import { HelloFrame } from "../../lib/protocol/frames.ts";

const USER = { id: "user:ada", name: "ada", role: "user" } as const;

/** A token like the server's, with parts overridden to make it bad in one way. */
async function mint(
  options: {
    secret?: string;
    aud?: string;
    expiresAt?: number;
    kid?: string;
    user?: { id: string; name: string };
  } = {},
) {
  const secret = options.secret ?? TEST_SECRET;
  const now = Math.floor(Date.now() / 1000);
  const user = options.user ?? USER;
  return await new SignJWT({ name: user.name, role: "user" })
    .setProtectedHeader({ alg: "HS256", kid: options.kid ?? await keyIdOf(secret) })
    .setSubject(user.id)
    .setIssuer("switchboard")
    .setAudience(options.aud ?? "switchboard")
    .setIssuedAt(now - 60)
    .setExpirationTime(options.expiresAt ?? now + 600)
    .sign(new TextEncoder().encode(secret));
}

Deno.test("a socket without a valid token is closed with 4401 before any frame", async () => {
  await using server = await startTestServer();
  const now = Math.floor(Date.now() / 1000);
  const unsecured = new UnsecuredJWT({ name: "ada", role: "admin" }).setSubject(USER.id)
    .setIssuer("switchboard").setAudience("switchboard").setIssuedAt().setExpirationTime("1h")
    .encode();
  const cases: [string, string | undefined, RegExp][] = [
    ["no token", undefined, /token missing/],
    ["garbage", "not.a.jwt", /token is/],
    ["alg none", unsecured, /algorithm is not allowed/],
    [
      "wrong key, its own kid",
      await mint({ secret: "another-secret-of-enough-length-1234" }),
      /token is invalid/,
    ],
    [
      "wrong key, the server's kid",
      await mint({
        secret: "another-secret-of-enough-length-1234",
        kid: await keyIdOf(TEST_SECRET),
      }),
      /signature is invalid/,
    ],
    ["expired", await mint({ expiresAt: now - 1 }), /expired/],
    ["wrong aud", await mint({ aud: "someone-else" }), /claim aud/],
  ];
  for (const [label, token, reason] of cases) {
    await using client = await openSocket(server.wsUrl, { token });
    let frames = 0;
    client.socket.addEventListener("message", () => frames++);
    const closed = await client.closed;
    equal(closed.code, 4401, label);
    match(closed.reason, reason, label);
    equal(frames, 0, label);
  }
  equal(server.services.hub.connections.size, 0);
});

Deno.test("a valid token in the subprotocol or an Authorization header opens a session", async () => {
  await using server = await startTestServer();
  const token = await mint();
  await using viaProtocol = await openSocket(server.wsUrl, { token });
  equal(viaProtocol.socket.protocol, "switchboard.v1");
  equal((await viaProtocol.next()).type, "hello");
  await using viaHeader = await openSocket(server.wsUrl, {
    headers: { authorization: `Bearer ${token}` },
  });
  equal((await viaHeader.next()).type, "hello");
});

Deno.test("hello carries the session, user, limits and token expiry", async () => {
  await using server = await startTestServer({
    env: { HEARTBEAT_MS: "20000", MAX_FRAME_BYTES: "4096", RATE_PER_SECOND: "2.5" },
  });
  const expiresAt = Math.floor(Date.now() / 1000) + 600;
  const before = Date.now();
  await using client = await openSocket(server.wsUrl, { token: await mint({ expiresAt }) });
  const hello = HelloFrame.parse(await client.next());
  ok(hello.server_time >= before && hello.server_time <= Date.now());
  equal(typeof hello.session, "string");
  ok(hello.session.length >= 16);
  deepEqual({ ...hello, session: "", server_time: 0 }, {
    type: "hello",
    v: 1,
    session: "",
    user: USER,
    server_time: 0,
    heartbeat_ms: 20000,
    token_expires_at: expiresAt * 1000,
    limits: { max_frame_bytes: 4096, max_text_chars: 4000, rate: { burst: 20, per_second: 2.5 } },
    features: [
      "rooms",
      "history",
      "resume",
      "presence",
      "typing",
      "idempotent_send",
      "token_refresh",
      "history_after",
      "accounts",
      "membership",
      "private_rooms",
      "dm",
      "edits",
      "reactions",
      "replies",
      "read_state",
      "mentions",
      "search",
      "presence_summary",
    ],
    instance: server.services.instance,
  });
  const [connection] = server.services.hub.connections;
  equal(connection.session, hello.session);
});

Deno.test("a foreign Origin gets HTTP 403 and no upgrade; a listed one is let in", async () => {
  await using server = await startTestServer({
    env: { ALLOWED_ORIGINS: "https://chat.example.com" },
  });
  const token = await mint();
  const refused = await fetch(`${server.origin}/api/ws`, {
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      "sec-websocket-protocol": "switchboard.v1",
      origin: "https://evil.example.com",
    },
  });
  equal(refused.status, 403);
  equal((await refused.json()).error.code, "forbidden");

  await using allowed = await openSocket(server.wsUrl, {
    token,
    headers: { origin: "https://chat.example.com" },
  });
  equal((await allowed.next()).type, "hello");
});

Deno.test("by default only the same origin may open a socket", async () => {
  await using server = await startTestServer();
  const token = await mint();
  await using same = await openSocket(server.wsUrl, { token, headers: { origin: server.origin } });
  equal((await same.next()).type, "hello");
  await openSocket(server.wsUrl, { token, headers: { origin: "http://localhost:1" } }).then(
    () => Promise.reject(new Error("a foreign origin was upgraded")),
    (error: Error) => match(error.message, /failed to open/),
  );
});

Deno.test("a plain GET of /api/ws is a 400", async () => {
  await using server = await startTestServer();
  const response = await fetch(`${server.origin}/api/ws`);
  equal(response.status, 400);
  equal((await response.json()).error.code, "bad_request");
});

Deno.test("no or an unknown subprotocol version is closed with 4400", async () => {
  await using server = await startTestServer();
  const bearer = `switchboard.bearer.${await mint()}`;
  for (const protocols of [[], [bearer], ["switchboard.v2", bearer]]) {
    await using client = await openSocket(server.wsUrl, { protocols });
    const closed = await client.closed;
    equal(closed.code, 4400, JSON.stringify(protocols.map((p) => p.slice(0, 20))));
    match(closed.reason, /switchboard\.v1/);
  }
});

Deno.test("the sixth connection of a user is closed with 4409", async () => {
  await using server = await startTestServer();
  const token = await mint();
  const clients = [];
  for (let i = 0; i < 5; i++) {
    const client = await openSocket(server.wsUrl, { token });
    equal((await client.next()).type, "hello");
    clients.push(client);
  }
  await using sixth = await openSocket(server.wsUrl, { token });
  const closed = await sixth.closed;
  equal(closed.code, 4409);
  // Another user is not affected, and a freed slot can be taken again.
  await using other = await openSocket(server.wsUrl, {
    token: await mint({ user: { id: "user:bob", name: "bob" } }),
  });
  equal((await other.next()).type, "hello");
  await clients[0][Symbol.asyncDispose]();
  await using replacement = await openSocket(server.wsUrl, { token });
  equal((await replacement.next()).type, "hello");
  for (const client of clients.slice(1)) await client[Symbol.asyncDispose]();
});

Deno.test("connections over the per-address limit are closed with 4429", async () => {
  await using server = await startTestServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: "1" } });
  await using first = await openSocket(server.wsUrl, { token: await mint() });
  equal((await first.next()).type, "hello");
  await using second = await openSocket(server.wsUrl, { token: await mint() });
  equal((await second.closed).code, 4429);
});

Deno.test("a token signed by an older secret still verifies while the secret is listed", async () => {
  const oldSecret = TEST_SECRET;
  const newSecret = "the-new-secret-that-signs-from-now-on";
  const oldToken = await mint({ secret: oldSecret });
  {
    await using rotated = await startTestServer({
      env: { JWT_SECRETS: `${newSecret},${oldSecret}` },
    });
    await using client = await openSocket(rotated.wsUrl, { token: oldToken });
    equal((await client.next()).type, "hello");
    // New tokens are signed with the first secret.
    const signed = await rotated.services.tokens.sign(USER);
    equal(decodeProtectedHeader(signed.token).kid, await keyIdOf(newSecret));
  }
  await using retired = await startTestServer({ env: { JWT_SECRETS: newSecret } });
  await using client = await openSocket(retired.wsUrl, { token: oldToken });
  equal((await client.closed).code, 4401);
});

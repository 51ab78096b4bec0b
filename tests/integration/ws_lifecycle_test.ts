import { deepEqual, equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import type { ServerFrameOf } from "../../lib/protocol/frames.ts";

/** Virtual time starts on a whole second, so token expiry (in seconds) falls on a sweep. */
const START = 1_800_000_000_000;

async function connect(server: TestServer, name = "ada") {
  const { token } = await server.services.tokens.sign({ id: `user:${name}`, name, role: "user" });
  const client = await openSocket(server.wsUrl, { token });
  const hello = await client.next() as ServerFrameOf<"hello">;
  equal(hello.type, "hello");
  return { client, hello };
}

/** Waits until the server has handled everything the client sent before. */
async function roundTrip(client: TestSocket, t: number) {
  client.send({ type: "ping", t });
  deepEqual(await client.nextOf("pong"), { type: "pong", t });
}

Deno.test("the server pings every heartbeat and keeps a client that answers", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  const { client } = await connect(server);
  for (let beat = 1; beat <= 4; beat++) {
    clock.advance(25_000);
    deepEqual(await client.next(), { type: "ping", t: START + beat * 25_000 });
    client.send({ type: "pong", t: START + beat * 25_000 });
    await roundTrip(client, beat);
  }
  const [connection] = server.services.hub.connections;
  equal(connection.state, "open");
  await client[Symbol.asyncDispose]();
});

Deno.test("a connection silent for two heartbeats is closed with 4408", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  const { client } = await connect(server);
  const [connection] = server.services.hub.connections;
  clock.advance(49_000);
  equal(connection.state, "open");
  clock.advance(1_000);
  const closed = await client.closed;
  equal(closed.code, 4408);
  await connection.closed;
  equal(server.services.hub.connections.size, 0);
});

Deno.test("token_expiring a minute ahead, auth refreshes in-band, expiry closes with 4401", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({
    clock,
    env: { ACCESS_TOKEN_TTL_S: "120", HEARTBEAT_MS: "3600000" },
  });
  const { client, hello } = await connect(server);
  equal(hello.token_expires_at, START + 120_000);

  clock.advance(59_000);
  await roundTrip(client, 1); // nothing was sent before the pong
  clock.advance(1_000);
  deepEqual(await client.next(), { type: "token_expiring", token_expires_at: START + 120_000 });

  const renewed = await server.services.tokens.sign(hello.user);
  client.send({ type: "auth", token: renewed.token, ref: "renew" });
  deepEqual(await client.next(), {
    type: "auth_ok",
    token_expires_at: START + 180_000,
    ref: "renew",
  });

  // Past the first token's expiry the socket lives on the renewed token.
  clock.advance(60_000);
  deepEqual(await client.next(), { type: "token_expiring", token_expires_at: START + 180_000 });
  clock.advance(59_000);
  await roundTrip(client, 2);
  clock.advance(1_000);
  const error = await client.next();
  ok(error.type === "error");
  equal(error.code, "unauthorized");
  equal((await client.closed).code, 4401);
});

Deno.test("auth with a bad token or another user's token: error, then 4401", async () => {
  await using server = await startTestServer();
  const cases = [
    ["garbage", () => Promise.resolve("garbage")],
    [
      "another user",
      async () =>
        (await server.services.tokens.sign({ id: "user:bob", name: "bob", role: "user" })).token,
    ],
  ] as const;
  for (const [label, token] of cases) {
    const { client } = await connect(server);
    client.send({ type: "auth", token: await token(), ref: "a" });
    const error = await client.next();
    ok(error.type === "error", label);
    equal(error.code, "unauthorized", label);
    equal(error.ref, "a", label);
    equal((await client.closed).code, 4401, label);
  }
});

Deno.test("drain sends every client a jittered reconnect, closes with 1012, refuses new sockets", async () => {
  await using server = await startTestServer({ env: { DRAIN_SPREAD_MS: "3000" } });
  const clients = await Promise.all(["ada", "bob", "cyd"].map((name) => connect(server, name)));
  await server.services.drain();

  const delays = new Set<number>();
  for (const { client } of clients) {
    const reconnect = await client.nextOf("reconnect");
    equal(reconnect.reason, "server restarting");
    ok(reconnect.after_ms >= 0 && reconnect.after_ms < 3000);
    delays.add(reconnect.after_ms);
    equal((await client.closed).code, 1012);
  }
  ok(delays.size > 1, "after_ms is jittered per client");
  equal(server.services.hub.connections.size, 0);

  const { token } = await server.services.tokens.sign({
    id: "user:dan",
    name: "dan",
    role: "user",
  });
  await openSocket(server.wsUrl, { token }).then(
    () => Promise.reject(new Error("a draining server accepted a socket")),
    () => {},
  );
  const response = await fetch(`${server.origin}/api/ws`, {
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
    },
  });
  equal(response.status, 503);
  await response.body?.cancel();
});

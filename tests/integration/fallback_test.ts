import { deepEqual, equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { createHttpTransport } from "../../lib/client/http_transport.ts";
import type { ServerFrame } from "../../lib/protocol/frames.ts";
import { openEventStream, requestEventStream } from "./fallback_stream.ts";

const START = 1_800_000_000_000;

async function tokenFor(server: TestServer, name: string, role: "user" | "guest" = "user") {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role })).token;
}

async function errorOf(response: Response) {
  return (await response.json()).error;
}

Deno.test("fallback: hello comes first, then the server pings like on a socket", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  await using stream = await openEventStream(server.origin, await tokenFor(server, "ada"));
  equal(stream.hello.user.id, "user:ada");
  equal(stream.hello.heartbeat_ms, 25_000);
  ok(stream.hello.session.length > 0);
  clock.advance(25_000);
  deepEqual(await stream.next(), { type: "ping", t: START + 25_000 });
  const [connection] = server.services.hub.connections;
  equal(connection.transport, "sse");
});

Deno.test("fallback: join, send (an array in one POST), ack and message arrive on the stream", async () => {
  await using server = await startTestServer();
  await using stream = await openEventStream(server.origin, await tokenFor(server, "ada"));
  const posted = await stream.post([
    { type: "join", room: "lobby", ref: "j" },
    { type: "send", room: "lobby", text: "over http", cid: "c1", ref: "s" },
  ]);
  equal(posted.status, 202);
  const joined = await stream.nextOf("joined");
  equal(joined.ref, "j");
  const replies = [await stream.next(), await stream.next()];
  const ack = replies.find((frame) => frame.type === "ack");
  const message = replies.find((frame) => frame.type === "message");
  ok(ack?.type === "ack" && message?.type === "message", JSON.stringify(replies));
  equal(ack.seq, 1);
  equal(ack.ref, "s");
  equal(message.text, "over http");
  equal(message.user.id, "user:ada");
});

Deno.test("fallback: a WebSocket client and an event-stream client see each other's messages", async () => {
  await using server = await startTestServer();
  await using stream = await openEventStream(server.origin, await tokenFor(server, "ada"));
  await using socket = await openSocket(server.wsUrl, { token: await tokenFor(server, "bob") });
  await socket.nextOf("hello");
  socket.send({ type: "join", room: "mixed" });
  await socket.nextOf("joined");
  await stream.post({ type: "join", room: "mixed" });
  await stream.nextOf("joined");

  socket.send({ type: "send", room: "mixed", text: "from the socket", cid: "w1" });
  equal((await stream.nextOf("message")).text, "from the socket");
  await stream.post({ type: "send", room: "mixed", text: "from the stream", cid: "s1" });
  let message = await socket.nextOf("message");
  if (message.text === "from the socket") message = await socket.nextOf("message");
  equal(message.text, "from the stream");
  equal(message.user.id, "user:ada");
});

Deno.test("fallback: join with since resumes over the stream", async () => {
  await using server = await startTestServer();
  const token = await tokenFor(server, "ada");
  {
    await using first = await openEventStream(server.origin, token);
    await first.post({ type: "join", room: "resume" });
    await first.nextOf("joined");
    for (const cid of ["a", "b", "c"]) {
      await first.post({ type: "send", room: "resume", text: cid, cid });
      await first.nextOf("ack");
    }
  }
  await using again = await openEventStream(server.origin, token);
  await again.post({ type: "join", room: "resume", since: 1 });
  const joined = await again.nextOf("joined");
  equal(joined.recovered, true);
  equal(joined.head, 3);
  deepEqual(joined.messages.map((m) => m.text), ["b", "c"]);
  equal(server.services.metrics.reconnects.labels("resumed").value, 1);
});

Deno.test("fallback: drain sends reconnect on the stream, then ends it", async () => {
  await using server = await startTestServer({ env: { DRAIN_SPREAD_MS: "3000" } });
  const stream = await openEventStream(server.origin, await tokenFor(server, "ada"));
  await server.services.drain();
  const reconnect = await stream.nextOf("reconnect");
  equal(reconnect.reason, "server restarting");
  ok(reconnect.after_ms >= 0 && reconnect.after_ms < 3000);
  await stream.ended;
  equal(server.services.hub.connections.size, 0);
  equal(server.services.metrics.connectionsClosed.labels(1012).value, 1);
  const refused = await requestEventStream(server.origin, await tokenFor(server, "bob"));
  equal(refused.status, 503);
  await refused.body?.cancel();
});

Deno.test("fallback: POST answers 404, 403, 401 and 400 as the client expects", async () => {
  await using server = await startTestServer();
  const adaToken = await tokenFor(server, "ada");
  await using stream = await openEventStream(server.origin, adaToken);
  equal((await stream.post({ type: "ping", t: 1 }, { session: "no-such-session" })).status, 404);
  const bob = { token: await tokenFor(server, "bob") };
  equal((await stream.post({ type: "ping", t: 1 }, bob)).status, 403);
  equal((await stream.post({ type: "ping", t: 1 }, { token: "garbage" })).status, 401);
  const noSession = await fetch(`${server.origin}/api/send`, {
    method: "POST",
    headers: { authorization: `Bearer ${adaToken}` },
    body: "{}",
  });
  equal(noSession.status, 400);
  equal((await errorOf(noSession)).code, "bad_request");
  // None of them reached the session.
  equal((await stream.post({ type: "ping", t: 7 })).status, 202);
  deepEqual(await stream.next(), { type: "pong", t: 7 });
});

Deno.test("fallback: a bad frame gets error bad_frame on the stream, and the session lives on", async () => {
  await using server = await startTestServer();
  await using stream = await openEventStream(server.origin, await tokenFor(server, "ada"));
  equal((await stream.post("{not json")).status, 202);
  const error = await stream.next();
  ok(error.type === "error");
  equal(error.code, "bad_frame");
  await stream.post([{ type: "join", room: "BAD NAME", ref: "r" }, { type: "ping", t: 2 }]);
  const named = await stream.next();
  ok(named.type === "error" && named.code === "bad_frame" && named.ref === "r");
  deepEqual(await stream.next(), { type: "pong", t: 2 });
});

Deno.test("fallback: a body over a burst of full frames is 413 and ends the session like 1009", async () => {
  await using server = await startTestServer({ env: { MAX_FRAME_BYTES: "256", RATE_BURST: "2" } });
  const stream = await openEventStream(server.origin, await tokenFor(server, "ada"));
  equal((await stream.post("x".repeat(600))).status, 413);
  await stream.ended;
  equal(server.services.metrics.connectionsClosed.labels(1009).value, 1);
});

Deno.test("fallback: opening runs the socket's checks and answers them in HTTP", async () => {
  await using server = await startTestServer({
    env: { MAX_CONNECTIONS_PER_USER: "1", MAX_CONNECTIONS_PER_ADDRESS: "2" },
  });
  const cases: [string, Response, number][] = [
    ["no token", await requestEventStream(server.origin, undefined), 401],
    ["bad token", await requestEventStream(server.origin, "not.a.jwt"), 401],
    [
      "foreign origin",
      await requestEventStream(server.origin, await tokenFor(server, "ada"), {
        origin: "https://evil.example",
      }),
      403,
    ],
  ];
  for (const [label, response, status] of cases) {
    equal(response.status, status, label);
    ok((await errorOf(response)).message.length > 0, label);
  }
  await using ada = await openEventStream(server.origin, await tokenFor(server, "ada"));
  const second = await requestEventStream(server.origin, await tokenFor(server, "ada"));
  equal(second.status, 409);
  await second.body?.cancel();
  await using bob = await openEventStream(server.origin, await tokenFor(server, "bob"));
  const third = await requestEventStream(server.origin, await tokenFor(server, "cyd"));
  equal(third.status, 429);
  await third.body?.cancel();
  equal(ada.hello.user.name, "ada");
  equal(bob.hello.user.name, "bob");
  const refused = server.services.metrics.handshakesRefused;
  equal(refused.labels("auth").value, 2);
  equal(refused.labels("origin").value, 1);
  equal(refused.labels("user_limit").value, 1);
  equal(refused.labels("address_limit").value, 1);
  equal(server.services.metrics.connectionsOpened.labels("sse").value, 2);
});

Deno.test("fallback: the browser client's HTTP transport talks to the server", async () => {
  await using server = await startTestServer();
  const frames: ServerFrame[] = [];
  const pong = Promise.withResolvers<ServerFrame>();
  const transport = createHttpTransport({
    eventsUrl: `${server.origin}/api/events`,
    sendUrl: `${server.origin}/api/send`,
  })(await tokenFor(server, "ada"), {
    onOpen: () => {},
    onFrame: (frame) => {
      frames.push(frame);
      if (frame.type === "pong") pong.resolve(frame);
    },
    onInvalidFrame: (error) => pong.reject(new Error(error.message)),
    onClose: (close) => pong.reject(new Error(`closed ${close.code} ${close.reason}`)),
  });
  // Queued until hello names the session, then posted.
  transport.send({ type: "ping", t: 42 });
  deepEqual(await pong.promise, { type: "pong", t: 42 });
  equal(frames[0].type, "hello");
  const [connection] = server.services.hub.connections;
  transport.close(1000, "done");
  await connection.closed;
  equal(server.services.metrics.connectionsClosed.labels(1001).value, 1);
});

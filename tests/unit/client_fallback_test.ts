/**
 * HTTP fallback through the real client and the real HTTP transport, over a
 * scripted `fetch`: entry after exhausted attempts or repeated handshake
 * deaths, the same frames over `GET /api/events` and `POST /api/send`,
 * remembering it, probing the WebSocket and moving back.
 */
import assert from "node:assert/strict";
import {
  createClientHarness,
  createMemoryStorage,
  type FakeEventStream,
  helloFrame,
} from "../../lib/client/testing.ts";

const drainMacrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function waitFor(condition: () => boolean) {
  for (let turn = 0; turn < 100 && !condition(); turn++) await drainMacrotask();
  assert.ok(condition(), "condition not reached");
}

// Long heartbeats, so that minutes of virtual time pass without the watchdog
// declaring the scripted stream dead.
const quietHello = helloFrame({ heartbeat_ms: 3_600_000 });

async function failWebSockets(h: ReturnType<typeof createClientHarness>, count: number) {
  for (let n = 0; n < count; n++) {
    (await h.sockets.next()).serverClose(1006);
    h.clock.advance(
      h.client.nextRetryAt.value === null ? 0 : h.client.nextRetryAt.value - h.clock.now(),
    );
  }
}

async function openStream(h: ReturnType<typeof createClientHarness>): Promise<FakeEventStream> {
  const stream = await h.http.nextStream();
  stream.push(quietHello);
  await waitFor(() => h.client.state.value === "fallback");
  return stream;
}

Deno.test("after the attempts run out, the client falls back to HTTP with the same frames", async () => {
  const storage = createMemoryStorage();
  const h = createClientHarness({ storage, fallbackMemoryMs: 1_800_000 });
  h.client.join("general");
  h.client.connect();
  await failWebSockets(h, 8);
  assert.equal(h.client.transport.value, "http");
  assert.equal(h.client.state.value, "connecting");
  const stream = await h.http.nextStream();
  assert.equal(stream.headers.get("authorization"), "Bearer token-0");
  assert.equal(stream.headers.get("accept"), "text/event-stream");
  stream.push(quietHello);
  await waitFor(() => h.client.state.value === "fallback");
  assert.equal(h.client.fallbackUntil.value, h.clock.now() + 1_800_000);
  assert.equal(storage.getItem("switchboard.fallback_until"), String(h.clock.now() + 1_800_000));

  const first = await waitForPostWith(h, "join");
  assert.equal(first.url.searchParams.get("session"), "session-1");
  assert.equal(first.headers.get("authorization"), "Bearer token-0");

  stream.push({
    type: "joined",
    room: "general",
    head: 0,
    recovered: false,
    messages: [],
    presence: [],
  });
  await waitFor(() => h.client.outbox.value.length === 0 && h.client.framesIn.value.joined === 1);
  const entry = h.client.send("general", "over http");
  const post = await h.http.nextPost();
  assert.deepEqual(post.body, {
    type: "send",
    room: "general",
    text: "over http",
    cid: entry.cid,
    ref: entry.cid,
  });
  stream.push({ type: "ack", cid: entry.cid, room: "general", seq: 1, ts: 1 });
  await waitFor(() => h.client.outboxSize.value === 0);
  assert.equal(h.client.room("general")!.messages.value[0].status, "sent");
  h.client.dispose();
  assert.equal(stream.aborted, true);
  assert.equal(h.clock.pending(), 0);
});

Deno.test("WebSockets that open and die before hello K times switch to fallback", async () => {
  const h = createClientHarness({ fallbackAfterHandshakeFailures: 3 });
  h.client.connect();
  for (let n = 1; n <= 3; n++) {
    const socket = await h.sockets.next();
    socket.open();
    socket.serverClose(1006);
    if (n < 3) h.clock.advance(h.client.nextRetryAt.value! - h.clock.now());
  }
  assert.equal(h.client.transport.value, "http");
  await openStream(h);
  assert.deepEqual(h.client.attempts.value.map((a) => `${a.transport}:${a.cause}`), [
    "websocket:handshake",
    "websocket:handshake",
    "websocket:handshake",
    "http:null",
  ]);
  h.client.dispose();
});

Deno.test("in fallback the WebSocket is probed periodically and the client moves back", async () => {
  const storage = createMemoryStorage();
  const h = createClientHarness({ storage, probeIntervalMs: 60_000 });
  h.client.connect();
  h.client.forceFallback();
  const stream = await openStream(h);
  assert.ok(storage.getItem("switchboard.fallback_until"));
  assert.equal(h.sockets.sockets.length, 0, "forceFallback replaced the WebSocket attempt");

  h.clock.advance(60_000);
  const failedProbe = await h.sockets.next();
  failedProbe.open();
  failedProbe.serverClose(1006);
  assert.equal(h.client.state.value, "fallback", "a failed probe changes nothing");

  h.clock.advance(60_000);
  const probe = await h.sockets.next();
  probe.open();
  probe.receive(helloFrame());
  assert.ok(probe.closedByClient, "the probe only tests the way");
  assert.equal(stream.aborted, true);
  assert.equal(h.client.fallbackUntil.value, null);
  assert.equal(storage.getItem("switchboard.fallback_until"), null);
  assert.equal(h.client.transport.value, "websocket");
  await h.openSocket();
  assert.equal(h.client.state.value, "open");
  h.client.dispose();
  assert.equal(h.clock.pending(), 0);
});

Deno.test("fallback is remembered across reloads until it expires", async () => {
  const storage = createMemoryStorage();
  const first = createClientHarness({ storage, fallbackMemoryMs: 600_000 });
  first.client.connect();
  first.client.forceFallback();
  await openStream(first);
  first.client.dispose();

  const second = createClientHarness({ storage });
  second.client.connect();
  assert.equal(second.client.transport.value, "http");
  await openStream(second);
  second.client.disconnect();

  second.clock.advance(600_000);
  second.client.connect();
  assert.equal(second.client.transport.value, "websocket");
  assert.equal(storage.getItem("switchboard.fallback_until"), null);
  await second.openSocket();
  second.client.dispose();
});

Deno.test("when HTTP runs out of attempts too, the WebSocket is tried again", async () => {
  const h = createClientHarness({ backoff: "immediate" });
  h.http.refuseEvents = Array(8).fill(502);
  h.client.forceFallback();
  h.client.connect();
  for (let n = 1; n < 8; n++) {
    await waitFor(() => h.client.nextRetryAt.value !== null);
    assert.equal(h.client.attempts.value.at(-1)!.cause, "server_error");
    h.clock.advance(0);
  }
  await waitFor(() => h.client.transport.value === "websocket");
  assert.equal(h.client.attempts.value.filter((a) => a.transport === "http").length, 8);
  assert.equal(h.http.streams.length, 0);
  await h.openSocket();
  assert.equal(h.client.state.value, "open");
  h.client.dispose();
});

Deno.test("the event stream refused with 401 refreshes the token and reconnects", async () => {
  const h = createClientHarness();
  h.http.refuseEvents = [401];
  h.client.forceFallback();
  h.client.connect();
  const stream = await h.http.nextStream();
  assert.equal(stream.headers.get("authorization"), "Bearer token-1");
  assert.deepEqual(h.refreshes, ["token-1"]);
  stream.push(quietHello);
  await waitFor(() => h.client.state.value === "fallback");
  assert.equal(h.client.attempts.value[0].cause, "auth");
  h.client.dispose();
});

Deno.test("a broken event stream is a dropped connection, resumed like any other", async () => {
  const h = createClientHarness({ backoff: "immediate" });
  h.client.join("general");
  h.client.forceFallback();
  h.client.connect();
  const stream = await openStream(h);
  stream.push({
    type: "joined",
    room: "general",
    head: 9,
    recovered: false,
    messages: [],
    presence: [],
  });
  await waitFor(() => h.client.framesIn.value.joined === 1);
  stream.end();
  await waitFor(() => h.client.state.value === "reconnecting");
  assert.equal(h.client.attempts.value[0].cause, "abnormal");
  h.clock.advance(0);
  const again = await h.http.nextStream();
  again.push({ ...quietHello, session: "session-2" });
  await waitFor(() => h.client.state.value === "fallback");
  const post = await waitForPostWith(h, "join", "session-2");
  assert.deepEqual([post.body].flat().find((f) => (f as { type: string }).type === "join"), {
    type: "join",
    room: "general",
    since: 9,
  });
  h.client.dispose();
});

/** The next POST of `session` (any, if not given) carrying a frame of `type`. */
async function waitForPostWith(
  h: ReturnType<typeof createClientHarness>,
  type: string,
  session?: string,
) {
  for (;;) {
    const post = await h.http.nextPost();
    if (session && post.url.searchParams.get("session") !== session) continue;
    if ([post.body].flat().some((f) => (f as { type: string }).type === type)) return post;
  }
}

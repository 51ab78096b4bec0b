/**
 * The real client, driven through scripted sockets in virtual time: states,
 * backoff, close codes, watchdog, page events, tokens.
 */
import assert from "node:assert/strict";
import { createBackoff } from "../../lib/client/backoff.ts";
import { createClientHarness, helloFrame } from "../../lib/client/testing.ts";
import { AuthError } from "../../lib/client/token.ts";
import { createSeededRandom } from "../../lib/time/random.ts";

/** Lets pending promise callbacks run; used only to show that nothing else happens. */
const drainMicrotasks = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("connect: connecting until hello, then open", async () => {
  const h = createClientHarness();
  const { client } = h;
  assert.equal(client.state.value, "idle");
  client.connect();
  assert.equal(client.state.value, "connecting");
  assert.equal(client.attempt.value, 1);
  const socket = await h.sockets.next();
  assert.equal(socket.url, "ws://switchboard.test/api/ws");
  assert.deepEqual(socket.protocols, ["switchboard.v1", "switchboard.bearer.token-0"]);
  socket.open();
  assert.equal(client.state.value, "connecting", "an open socket is not a connection yet");
  socket.receive(helloFrame());
  assert.equal(client.state.value, "open");
  assert.equal(client.attempt.value, 0);
  assert.equal(client.transport.value, "websocket");
  assert.deepEqual(client.user.value, { id: "u-ada", name: "ada", role: "user" });
  assert.equal(client.attempts.value[0].readyAt, h.clock.now());
  assert.deepEqual(client.transitions.value.map((t) => t.to), ["connecting", "open"]);
  assert.deepEqual(h.logs, [
    "switchboard: idle → connecting: connect()",
    "switchboard: connecting → open: hello (test)",
  ]);
  client.dispose();
  assert.equal(client.state.value, "closed");
  assert.equal(h.clock.pending(), 0);
  assert.deepEqual(socket.closedByClient, { code: 1000, reason: "disconnect()" });
});

Deno.test("a socket that opens and dies before hello is a failed attempt (handshake)", async () => {
  const h = createClientHarness();
  h.client.connect();
  const socket = await h.sockets.next();
  socket.open();
  socket.serverClose(1006);
  assert.equal(h.client.state.value, "reconnecting");
  const [attempt] = h.client.attempts.value;
  assert.equal(attempt.cause, "handshake");
  assert.equal(attempt.readyAt, null);
  assert.equal(h.client.lastError.value, "handshake: connection closed (1006)");
  h.client.dispose();
});

Deno.test("a whole reconnect sequence follows the seeded backoff in virtual time", async () => {
  const h = createClientHarness();
  const expected = createBackoff({ random: createSeededRandom(1) });
  h.client.connect();
  for (let n = 1; n <= 7; n++) {
    const socket = await h.sockets.next();
    assert.equal(h.client.attempt.value, n);
    socket.serverClose(1006); // never opened: the network
    const delay = expected.delay(n);
    assert.equal(h.client.state.value, "reconnecting");
    assert.equal(h.client.nextRetryAt.value, h.clock.now() + delay);
    assert.equal(h.client.attempts.value.at(-1)!.retryDelayMs, delay);
    assert.equal(h.client.attempts.value.at(-1)!.cause, "network");
    h.clock.advance(delay - 1);
    await drainMicrotasks();
    assert.equal(h.sockets.sockets.length, n, "not before the delay");
    h.clock.advance(1);
  }
  const eighth = await h.sockets.next();
  eighth.open();
  eighth.receive(helloFrame());
  assert.equal(h.client.state.value, "open");
  assert.deepEqual(
    h.client.attempts.value.map((a) => a.n),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  // A drop after hello starts a new run at attempt 1.
  eighth.serverClose(1011, "boom");
  assert.equal(h.client.attempts.value.at(-1)!.cause, "server_error");
  assert.equal(h.client.nextRetryAt.value, h.clock.now() + expected.delay(1));
  h.client.dispose();
  assert.equal(h.clock.pending(), 0);
});

Deno.test("every state transition the client makes, in one run", async () => {
  const h = createClientHarness({ backoff: "immediate", slowRttMs: 1_000 });
  const { client } = h;
  client.connect(); // idle → connecting
  const first = await h.openSocket(); // → open
  h.clock.advance(1_000); // the first ping is not answered in time → degraded
  assert.equal(client.state.value, "degraded");
  first.receive({ type: "pong", t: first.sentOfType("ping")[0].t }); // → open
  assert.equal(client.state.value, "open");
  first.serverClose(1006); // → reconnecting
  h.clock.advance(0); // → connecting
  const second = await h.openSocket();
  client.forceFallback(); // → reconnecting → connecting (http)
  const stream = await h.http.nextStream();
  stream.push(helloFrame()); // → fallback
  await waitFor(() => client.state.value === "fallback");
  client.disconnect(); // → closed
  client.connect(); // → connecting
  (await h.http.nextStream()).push({ ...helloFrame(), session: "s2" });
  await waitFor(() => client.state.value === "fallback");
  assert.equal(stream.aborted, true, "disconnect() ended the event stream");
  const failing = createClientHarness();
  failing.client.connect();
  (await failing.sockets.next()).serverClose(4403, "forbidden"); // → failed
  assert.equal(failing.client.state.value, "failed");
  failing.client.connect(); // failed → connecting
  assert.equal(failing.client.state.value, "connecting");
  failing.client.dispose();

  assert.deepEqual(client.transitions.value.map((t) => `${t.from}→${t.to}`), [
    "idle→connecting",
    "connecting→open",
    "open→degraded",
    "degraded→open",
    "open→reconnecting",
    "reconnecting→connecting",
    "connecting→open",
    "open→reconnecting",
    "reconnecting→connecting",
    "connecting→fallback",
    "fallback→closed",
    "closed→connecting",
    "connecting→fallback",
  ]);
  assert.ok(second.closedByClient);
  client.dispose();
});

/** Waits for a condition reached through real promises (streams), checking after each turn. */
async function waitFor(condition: () => boolean) {
  for (let turn = 0; turn < 100 && !condition(); turn++) await drainMicrotasks();
  assert.ok(condition(), "condition not reached");
}

Deno.test("close codes: 4400 and 4403 fail with the reason, 1000 closes", async () => {
  for (const [code, state] of [[4400, "failed"], [4403, "failed"], [1000, "closed"]] as const) {
    const h = createClientHarness();
    h.client.connect();
    const socket = await h.openSocket();
    socket.serverClose(code, "because");
    assert.equal(h.client.state.value, state, `code ${code}`);
    assert.equal(h.clock.pending(), 0, "no retry is scheduled");
    if (state === "failed") assert.match(h.client.lastError.value!, /because/);
    h.client.dispose();
  }
});

Deno.test("close 4401: refresh the token, reconnect at once; a second 4401 backs off", async () => {
  const h = createClientHarness();
  h.client.connect();
  (await h.sockets.next()).serverClose(4401, "expired");
  const second = await h.sockets.next();
  assert.deepEqual(h.refreshes, ["token-1"]);
  assert.equal(second.protocols[1], "switchboard.bearer.token-1");
  assert.equal(h.client.attempts.value[0].cause, "auth");
  second.serverClose(4401, "still bad");
  assert.equal(h.client.state.value, "reconnecting");
  assert.ok(h.client.nextRetryAt.value! > h.clock.now(), "backs off instead of looping");
  assert.deepEqual(h.refreshes, ["token-1"]);
  h.client.dispose();
});

Deno.test("close 4401 when the refresh says signed out: failed", async () => {
  const h = createClientHarness({
    refreshToken: () => Promise.reject(new AuthError("signed out: log in again")),
  });
  h.client.connect();
  (await h.sockets.next()).serverClose(4401, "expired");
  await waitFor(() => h.client.state.value === "failed");
  assert.equal(h.client.lastError.value, "signed out: log in again");
  h.client.dispose();
});

Deno.test("close 4409 waits the long delay; a reconnect frame waits its after_ms", async () => {
  const h = createClientHarness({ longDelayMs: 60_000 });
  h.client.connect();
  (await h.openSocket()).serverClose(4409, "too many");
  assert.equal(h.client.nextRetryAt.value, h.clock.now() + 60_000);
  assert.equal(h.client.attempts.value[0].cause, "rate_limited");
  h.clock.advance(60_000);
  const socket = await h.openSocket();
  socket.receive({ type: "reconnect", after_ms: 2_500, reason: "deploy" });
  assert.ok(socket.closedByClient, "the client leaves the draining server");
  assert.equal(h.client.state.value, "reconnecting");
  assert.equal(h.client.nextRetryAt.value, h.clock.now() + 2_500);
  h.client.dispose();
});

Deno.test("watchdog: a silent connection is dead after heartbeat + grace", async () => {
  const h = createClientHarness({ heartbeatGraceMs: 5_000 });
  h.client.connect();
  const socket = await h.openSocket({ heartbeat_ms: 25_000 });
  h.clock.advance(29_999);
  assert.notEqual(h.client.state.value, "reconnecting");
  h.clock.advance(1);
  assert.equal(h.client.state.value, "reconnecting");
  assert.equal(h.client.attempts.value[0].cause, "timeout");
  assert.ok(socket.closedByClient);
  h.client.dispose();
});

Deno.test("watchdog: server pings are answered and keep the connection alive", async () => {
  const h = createClientHarness();
  h.client.connect();
  const socket = await h.openSocket({ heartbeat_ms: 25_000 });
  let answered = 0;
  for (let second = 1; second <= 125; second++) {
    h.clock.advance(1_000);
    if (second % 25 === 0) socket.receive({ type: "ping", t: second / 25 });
    for (const own of socket.sentOfType("ping").slice(answered)) {
      socket.receive({ type: "pong", t: own.t });
      answered++;
    }
  }
  assert.deepEqual(socket.sentOfType("pong").map((f) => f.t), [1, 2, 3, 4, 5]);
  assert.equal(h.client.state.value, "open");
  assert.equal(h.client.framesIn.value.ping, 5);
  assert.equal(h.client.framesOut.value.pong, 5);
  h.client.dispose();
});

Deno.test("no hello within the connect timeout is a failed attempt (timeout)", async () => {
  const h = createClientHarness({ connectTimeoutMs: 10_000 });
  h.client.connect();
  (await h.sockets.next()).open();
  h.clock.advance(10_000);
  assert.equal(h.client.state.value, "reconnecting");
  assert.equal(h.client.attempts.value[0].cause, "timeout");
  h.client.dispose();
});

Deno.test("offline pauses attempts; online reconnects at once", async () => {
  const h = createClientHarness();
  h.client.connect();
  (await h.openSocket()).serverClose(1006);
  h.page.emit("offline");
  assert.equal(h.client.online.value, false);
  assert.equal(h.client.nextRetryAt.value, null);
  h.clock.advance(3_600_000);
  await drainMicrotasks();
  assert.equal(h.sockets.sockets.length, 1, "no attempts while offline");
  h.page.emit("online");
  assert.equal(h.client.state.value, "connecting");
  await h.openSocket();
  assert.equal(h.client.state.value, "open");
  h.client.dispose();
});

Deno.test("a failure while offline waits for the network, not for a timer", async () => {
  const h = createClientHarness();
  h.page.emit("offline");
  h.client.connect();
  (await h.sockets.next()).serverClose(1006);
  assert.equal(h.client.nextRetryAt.value, null);
  assert.equal(h.clock.pending(), 0);
  h.page.emit("online");
  await h.openSocket();
  assert.equal(h.client.state.value, "open");
  h.client.dispose();
});

Deno.test("becoming visible skips a long wait (a laptop waking up)", async () => {
  const h = createClientHarness({ longDelayMs: 600_000 });
  h.client.connect();
  (await h.openSocket()).serverClose(4409);
  h.page.emit("hidden");
  assert.equal(h.client.state.value, "reconnecting");
  h.page.emit("visible");
  assert.equal(h.client.state.value, "connecting");
  await h.openSocket();
  h.client.dispose();
});

Deno.test("becoming visible while open checks the connection with a ping", async () => {
  const h = createClientHarness();
  h.client.connect();
  const socket = await h.openSocket();
  const before = socket.sentOfType("ping").length;
  h.clock.advance(100);
  h.page.emit("visible");
  assert.equal(socket.sentOfType("ping").length, before + 1);
  h.client.dispose();
});

Deno.test("reconnectNow skips the wait, or replaces a live connection", async () => {
  const h = createClientHarness();
  h.client.connect();
  const first = await h.openSocket();
  first.serverClose(1006);
  h.client.reconnectNow();
  const second = await h.openSocket();
  h.client.reconnectNow();
  assert.ok(second.closedByClient);
  await h.openSocket();
  assert.equal(h.client.state.value, "open");
  assert.equal(h.sockets.sockets.length, 3);
  h.client.dispose();
});

Deno.test("token_expiring is answered with auth and a fresh token, without reconnecting", async () => {
  const h = createClientHarness();
  h.client.connect();
  const socket = await h.openSocket();
  socket.receive({ type: "token_expiring", token_expires_at: 2_000_000 });
  await waitFor(() => socket.sentOfType("auth").length === 1);
  assert.deepEqual(socket.sentOfType("auth"), [{ type: "auth", token: "token-1" }]);
  socket.receive({ type: "auth_ok", token_expires_at: 3_000_000 });
  assert.equal(h.client.state.value, "open");
  assert.equal(h.sockets.sockets.length, 1);
  h.client.dispose();
});

Deno.test("invalid frames are counted and dropped; the connection stays", async () => {
  const h = createClientHarness();
  h.client.connect();
  const socket = await h.openSocket();
  socket.receive("not json");
  socket.receive({ type: "message", room: "general" });
  assert.equal(h.client.framesIn.value.invalid, 2);
  assert.equal(h.client.state.value, "open");
  assert.equal(h.logs.filter((l) => l.includes("invalid frame")).length, 2);
  h.client.dispose();
});

Deno.test("a token that cannot be fetched is a network failure, retried", async () => {
  let calls = 0;
  const h = createClientHarness({
    getToken: () => ++calls === 1 ? Promise.reject(new Error("offline")) : Promise.resolve("t"),
  });
  h.client.connect();
  await waitFor(() => h.client.state.value === "reconnecting");
  assert.equal(h.client.attempts.value[0].cause, "network");
  h.clock.advance(h.client.nextRetryAt.value! - h.clock.now());
  await h.openSocket();
  assert.equal(h.client.state.value, "open");
  h.client.dispose();
});

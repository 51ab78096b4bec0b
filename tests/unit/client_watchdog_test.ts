import assert from "node:assert/strict";
import { createWatchdog } from "../../lib/client/watchdog.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

function setup() {
  const clock = createVirtualClock();
  const sent: { type: string; t: number }[] = [];
  const health: boolean[] = [];
  let dead = 0;
  const watchdog = createWatchdog({
    clock,
    send: (frame) => sent.push(frame),
    onDead: () => dead++,
    onHealthChange: (healthy) => health.push(healthy),
    graceMs: 5_000,
    pingIntervalMs: 10_000,
    slowRttMs: 1_500,
  });
  return { clock, sent, health, watchdog, dead: () => dead };
}

Deno.test("silence for heartbeat + grace means dead", () => {
  const { clock, watchdog, dead } = setup();
  watchdog.start(25_000);
  // Pongs keep arriving, so only the server's silence matters here.
  clock.advance(29_999);
  assert.equal(dead(), 0);
  clock.advance(1);
  assert.equal(dead(), 1);
  assert.equal(clock.pending(), 0, "a dead watchdog leaves no timers");
  assert.equal(watchdog.quality.value, "unknown");
});

Deno.test("any frame from the server resets the deadline", () => {
  const { clock, watchdog, dead } = setup();
  watchdog.start(25_000);
  for (let i = 0; i < 10; i++) {
    clock.advance(20_000);
    watchdog.frameReceived();
  }
  assert.equal(dead(), 0);
  watchdog.stop();
  assert.equal(clock.pending(), 0);
});

Deno.test("round trips are measured from client pings and graded", () => {
  const { clock, sent, watchdog } = setup();
  watchdog.start(25_000);
  assert.equal(watchdog.quality.value, "unknown");
  assert.equal(sent[0].type, "ping");
  clock.advance(120);
  watchdog.pongReceived(sent[0].t);
  assert.equal(watchdog.latencyMs.value, 120);
  assert.equal(watchdog.quality.value, "good");
  clock.advance(9_880); // the next ping goes out at 10 s
  assert.equal(sent.length, 2);
  clock.advance(800);
  watchdog.frameReceived();
  watchdog.pongReceived(sent[1].t);
  assert.equal(watchdog.quality.value, "fair");
  assert.deepEqual(watchdog.latencyHistory.value.map((s) => s.ms), [120, 800]);
  watchdog.stop();
});

Deno.test("a slow round trip or a late pong is poor, and recovery is reported", () => {
  const { clock, sent, watchdog, health } = setup();
  watchdog.start(25_000);
  clock.advance(1_500);
  assert.equal(watchdog.quality.value, "poor", "no pong after slowRttMs");
  assert.deepEqual(health, [false]);
  clock.advance(500);
  watchdog.frameReceived();
  watchdog.pongReceived(sent[0].t);
  assert.equal(watchdog.latencyMs.value, 2_000);
  assert.equal(watchdog.quality.value, "poor", "2 s is slow");
  assert.deepEqual(health, [false]);
  clock.advance(8_000);
  clock.advance(100);
  watchdog.frameReceived();
  watchdog.pongReceived(sent[1].t);
  assert.equal(watchdog.quality.value, "good");
  assert.deepEqual(health, [false, true]);
  watchdog.stop();
});

Deno.test("a late server ping makes the connection poor before it is dead", () => {
  const { clock, sent, watchdog, health } = setup();
  watchdog.start(25_000);
  // Pongs answer at once, but the silence check only counts frameReceived.
  const answerPings = (ms: number) => {
    for (let i = 0; i < ms / 100; i++) {
      clock.advance(100);
      if (sent.at(-1)?.type === "ping") watchdog.pongReceived(sent.at(-1)!.t);
    }
  };
  answerPings(27_400);
  assert.equal(watchdog.quality.value, "good");
  answerPings(100); // 25 s heartbeat + half the 5 s grace
  assert.equal(watchdog.quality.value, "poor");
  assert.deepEqual(health, [false]);
  watchdog.frameReceived();
  assert.equal(watchdog.quality.value, "good");
  assert.deepEqual(health, [false, true]);
  watchdog.stop();
});

Deno.test("server pings are answered with the same t; stale pongs are ignored", () => {
  const { clock, sent, watchdog } = setup();
  watchdog.serverPing(77);
  assert.deepEqual(sent, [{ type: "pong", t: 77 }]);
  watchdog.start(25_000);
  clock.advance(50);
  watchdog.pongReceived(12345);
  assert.equal(watchdog.latencyMs.value, null);
  watchdog.stop();
});

import assert from "node:assert/strict";
import { type ConnectionSnapshot, describeConnection } from "../../components/chat/banner.ts";

const NOW = 1_000_000;
const base: ConnectionSnapshot = {
  state: "open",
  online: true,
  nextRetryAt: null,
  attempt: 0,
  transport: "websocket",
  lastError: null,
  outboxSize: 0,
  sendTrouble: null,
};
const banner = (change: Partial<ConnectionSnapshot>) =>
  describeConnection({ ...base, ...change }, NOW);

Deno.test("banner: none while open; connecting while starting", () => {
  assert.equal(banner({}), null);
  assert.equal(banner({ state: "idle" })?.text, "Connecting…");
  assert.equal(banner({ state: "connecting", attempt: 1 })?.text, "Connecting…");
  assert.equal(banner({ state: "connecting", attempt: 3 })?.text, "Reconnecting… (attempt 3)");
});

Deno.test("banner: reconnecting counts down to the next attempt and offers Retry now", () => {
  const waiting = banner({ state: "reconnecting", nextRetryAt: NOW + 3_200, outboxSize: 2 });
  assert.deepEqual(waiting, {
    tone: "warn",
    text: "Reconnecting in 4 s",
    detail: "2 messages waiting to send",
    action: "retry",
  });
  assert.equal(banner({ state: "reconnecting" })?.text, "Reconnecting…");
});

Deno.test("banner: offline wins over the connection state, except when stopped", () => {
  for (const state of ["open", "reconnecting", "connecting", "fallback"] as const) {
    const shown = banner({ state, online: false, outboxSize: 1 });
    assert.equal(shown?.text, "Offline — messages will be sent when you're back", state);
    assert.equal(shown?.detail, "1 message waiting to send");
    assert.equal(shown?.action, null);
  }
  assert.equal(banner({ state: "closed", online: false })?.text, "Disconnected");
});

Deno.test("banner: fallback, slow, failed and closed each say what happens", () => {
  assert.equal(banner({ state: "fallback", transport: "http" })?.text, "Using fallback connection");
  assert.equal(banner({ state: "degraded" })?.tone, "warn");
  assert.deepEqual(banner({ state: "failed", lastError: "server refused: 4403" }), {
    tone: "bad",
    text: "Can't connect",
    detail: "server refused: 4403",
    action: "connect",
  });
  assert.equal(banner({ state: "closed" })?.action, "connect");
});

Deno.test("banner: connected but the server cannot store messages: they wait, and it says so", () => {
  assert.equal(banner({ sendTrouble: "internal: send failed", outboxSize: 0 }), null);
  assert.deepEqual(banner({ sendTrouble: "internal: send failed", outboxSize: 2 }), {
    tone: "warn",
    text: "The server can't store messages right now — they will be sent when it can",
    detail: "2 messages waiting to send",
    action: null,
  });
});

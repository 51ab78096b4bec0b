/**
 * The client's status subscription (protocol extension `subscribe_status`):
 * sent after every `hello` while anyone is subscribed, `status` frames in the
 * `status` signal (the public summary, or an admin's detail), the same over
 * the HTTP fallback.
 */
import { deepEqual, equal } from "node:assert/strict";
import { createClientHarness, helloFrame } from "../../lib/client/testing.ts";
import { statusDetail, statusSummary } from "./ui_status_fixture.ts";

const drainMacrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function waitFor(condition: () => boolean, what: string) {
  for (let turn = 0; turn < 100 && !condition(); turn++) await drainMacrotask();
  equal(condition(), true, `never happened: ${what}`);
}

Deno.test("status: subscribed before connecting, asked after each hello, frames land in the signal", async () => {
  const h = createClientHarness();
  const stop = h.client.subscribeStatus();
  h.client.connect();
  const first = await h.openSocket();
  deepEqual(first.sentOfType("subscribe_status"), [{ type: "subscribe_status" }]);
  equal(h.client.status.value, null);

  const summary = statusSummary({ connections: 42 });
  first.receive({ type: "status", summary });
  deepEqual(h.client.status.value, summary);
  equal(h.client.framesIn.value.status, 1);

  first.serverClose(1012, "restart");
  h.clock.advance(h.client.nextRetryAt.value! - h.clock.now());
  const second = await h.openSocket();
  equal(second.sentOfType("subscribe_status").length, 1, "asked again on the new connection");

  stop();
  deepEqual(second.sentOfType("unsubscribe_status"), [{ type: "unsubscribe_status" }]);
  equal(h.client.status.value, null, "no stale status once unsubscribed");
  h.client.dispose();
});

Deno.test("status: an admin's frames carry the detail, and the signal keeps it whole", async () => {
  const h = createClientHarness();
  h.client.subscribeStatus();
  h.client.connect();
  const socket = await h.openSocket();
  const detail = statusDetail();
  socket.receive({ type: "status", summary: detail });
  const status = h.client.status.value;
  equal(status?.view, "admin");
  deepEqual(status, detail);
  h.client.dispose();
});

Deno.test("status: two subscribers share one subscription; it ends with the last", async () => {
  const h = createClientHarness();
  h.client.connect();
  const socket = await h.openSocket();
  const stopFirst = h.client.subscribeStatus();
  const stopSecond = h.client.subscribeStatus();
  equal(socket.sentOfType("subscribe_status").length, 1);

  stopFirst();
  stopFirst();
  equal(socket.sentOfType("unsubscribe_status").length, 0, "the second still listens");
  stopSecond();
  equal(socket.sentOfType("unsubscribe_status").length, 1);

  socket.serverClose(1012, "restart");
  h.clock.advance(h.client.nextRetryAt.value! - h.clock.now());
  const next = await h.openSocket();
  equal(next.sentOfType("subscribe_status").length, 0, "nobody subscribed: not asked again");
  h.client.dispose();
});

Deno.test("status: over the HTTP fallback the subscription is posted and frames arrive on the stream", async () => {
  const h = createClientHarness();
  h.client.forceFallback();
  const stop = h.client.subscribeStatus();
  h.client.connect();
  const stream = await h.http.nextStream();
  // Long heartbeats: the scripted stream sends no pings.
  stream.push(helloFrame({ heartbeat_ms: 3_600_000 }));
  await waitFor(() => h.client.state.value === "fallback", "fallback");
  await waitFor(
    () => h.http.posts.some((post) => JSON.stringify(post.body).includes("subscribe_status")),
    "subscribe_status posted",
  );

  const summary = statusSummary({ connections: 7 });
  stream.push({ type: "status", summary });
  await waitFor(() => h.client.status.value?.connections === 7, "status over the stream");
  stop();
  h.client.dispose();
});

/**
 * The client's status subscription (protocol extension `subscribe_status`):
 * sent with `delta: true` after every `hello` while anyone is subscribed,
 * `status` frames handed whole to each reader (the public summary, or an
 * admin's detail, deltas appended to the history held), the same over the
 * HTTP fallback.
 */
import { deepEqual, equal } from "node:assert/strict";
import { createClientHarness, helloFrame } from "../../lib/client/testing.ts";
import type { StatusResponse } from "../../lib/protocol/mod.ts";
import { historyCapacity } from "../../lib/protocol/status_history.ts";
import { statusDetail, statusHistory, statusSummary } from "./ui_status_fixture.ts";

const drainMacrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function waitFor(condition: () => boolean, what: string) {
  for (let turn = 0; turn < 100 && !condition(); turn++) await drainMacrotask();
  equal(condition(), true, `never happened: ${what}`);
}

/** A reader that keeps every status it is given. */
function reader() {
  const seen: StatusResponse[] = [];
  return { seen, onStatus: (status: StatusResponse) => void seen.push(status) };
}

/** A connected client with one reader subscribed. */
async function subscribedClient() {
  const h = createClientHarness();
  const ada = reader();
  h.client.subscribeStatus(ada.onStatus);
  h.client.connect();
  return { h, ada, socket: await h.openSocket() };
}

Deno.test("status: subscribed before connecting, asked after each hello, frames reach the reader", async () => {
  const h = createClientHarness();
  const ada = reader();
  const stop = h.client.subscribeStatus(ada.onStatus);
  h.client.connect();
  const first = await h.openSocket();
  deepEqual(first.sentOfType("subscribe_status"), [{ type: "subscribe_status", delta: true }]);
  equal(ada.seen.length, 0);

  const summary = statusSummary({ connections: 42 });
  first.receive({ type: "status", summary });
  deepEqual(ada.seen, [summary]);
  equal(h.client.framesIn.value.status, 1);

  first.serverClose(1012, "restart");
  h.clock.advance(h.client.nextRetryAt.value! - h.clock.now());
  const second = await h.openSocket();
  equal(second.sentOfType("subscribe_status").length, 1, "asked again on the new connection");

  stop();
  deepEqual(second.sentOfType("unsubscribe_status"), [{ type: "unsubscribe_status" }]);
  second.receive({ type: "status", summary });
  equal(ada.seen.length, 1, "nothing reaches a reader once unsubscribed");
  h.client.dispose();
});

Deno.test("status: an admin's frames carry the detail, and the reader gets it whole", async () => {
  const { h, ada: root, socket } = await subscribedClient();
  const detail = statusDetail();
  socket.receive({ type: "status", summary: detail });
  equal(root.seen[0].view, "admin");
  deepEqual(root.seen[0], detail);
  h.client.dispose();
});

Deno.test("status: deltas are appended to the history held, which keeps its 15 minutes", async () => {
  const { h, ada, socket } = await subscribedClient();
  const capacity = historyCapacity(5_000);
  const end = 1_700_000_000_000;
  const full = statusSummary({ connections: 1, history: statusHistory(capacity, end) });
  socket.receive({ type: "status", summary: full });

  const delta = statusSummary({ connections: 9, history: statusHistory(1, end + 5_000) });
  socket.receive({ type: "status", summary: delta, delta: true });
  const whole = ada.seen[1];
  equal(whole.connections, 9, "the numbers are the delta's");
  const { t } = full.history;
  equal(whole.history.t.length, capacity, "the oldest sample made room");
  deepEqual(whole.history.t, [...t.slice(1), end + 5_000]);
  for (const column of ["connections", "users_online", "delivery_p99_ms"] as const) {
    deepEqual(whole.history[column], [...full.history[column].slice(1), delta.history[column][0]]);
  }

  socket.receive({ type: "status", summary: delta, delta: true });
  deepEqual(ada.seen[2].history.t, whole.history.t, "a sample sent twice shows once");

  const late = reader();
  h.client.subscribeStatus(late.onStatus);
  deepEqual(late.seen, [whole], "a second reader gets the status held at once");
  equal(socket.sentOfType("subscribe_status").length, 1, "and shares the subscription");
  h.client.dispose();
});

Deno.test("status: a delta with no status held to apply it to is dropped", async () => {
  const { h, ada, socket } = await subscribedClient();
  socket.receive({ type: "status", summary: statusSummary(), delta: true });
  equal(ada.seen.length, 0);
  h.client.dispose();
});

Deno.test("status: two subscribers share one subscription; it ends with the last", async () => {
  const h = createClientHarness();
  h.client.connect();
  const socket = await h.openSocket();
  const stopFirst = h.client.subscribeStatus(() => {});
  const stopSecond = h.client.subscribeStatus(() => {});
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
  const ada = reader();
  h.client.forceFallback();
  const stop = h.client.subscribeStatus(ada.onStatus);
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
  await waitFor(() => ada.seen.at(-1)?.connections === 7, "status over the stream");
  stop();
  h.client.dispose();
});

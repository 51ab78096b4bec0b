import { deepEqual, equal } from "node:assert/strict";
import { createStatusFeed } from "../../lib/server/session/status_feed.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import {
  buildStatusDetail,
  buildStatusSummary,
  createClusterView,
  createIsolateIdentity,
  createSnapshotPublisher,
  createSwitchboardMetrics,
} from "../../lib/server/metrics/mod.ts";
import type { ServerFrameOf, StatusView } from "../../lib/protocol/mod.ts";

/** The feed as the server wires it: driven by the snapshot publisher's one timer. */
function setup() {
  const clock = createVirtualClock(1_000);
  const identity = createIsolateIdentity({ clock, version: "1.0.0", buildId: "test" });
  const metrics = createSwitchboardMetrics({ clock, identity });
  const view = createClusterView({ clock, sampleIntervalMs: 5_000 });
  const built: StatusView[] = [];
  const feed = createStatusFeed({
    metrics,
    summarize(statusView) {
      built.push(statusView);
      return statusView === "admin"
        ? buildStatusDetail(view, { clock, identity })
        : buildStatusSummary(view, { clock, identity });
    },
  });
  const publisher = createSnapshotPublisher({
    clock,
    intervalMs: 5_000,
    metrics,
    view,
    publish: () => {},
    onSample: () => feed.sampleTaken(),
  });
  publisher.start();
  const subscriber = () => {
    const received: ServerFrameOf<"status">[] = [];
    return { received, sendText: (text: string) => received.push(JSON.parse(text)) };
  };
  return { clock, metrics, feed, publisher, built, subscriber };
}

Deno.test("status feed: one frame on subscribe, one per publisher sample, none once unsubscribed", () => {
  const { clock, metrics, feed, publisher, subscriber } = setup();
  const ada = subscriber();
  feed.subscribe(ada, { type: "subscribe_status", ref: "r1" });
  deepEqual(ada.received.map((frame) => [frame.type, frame.ref]), [["status", "r1"]]);
  equal(clock.pending(), 1, "the publisher's timer is the only one");
  clock.advance(5_000);
  clock.advance(5_000);
  deepEqual(ada.received.map((frame) => frame.summary.server_time), [1_000, 6_000, 11_000]);
  deepEqual(
    ada.received.map((frame) => frame.summary.history.t.length),
    [1, 2, 3],
    "without deltas every frame carries the whole history, the new sample included",
  );
  feed.unsubscribe(ada);
  equal(feed.size, 0);
  clock.advance(5_000);
  equal(ada.received.length, 3);
  equal(metrics.framesSent.labels("status").value, 3);
  publisher.stop();
});

Deno.test("status feed: with deltas, the whole history once, then only each new sample", () => {
  const { clock, feed, publisher, subscriber } = setup();
  clock.advance(5_000);
  clock.advance(5_000);
  const ada = subscriber();
  feed.subscribe(ada, { type: "subscribe_status", delta: true });
  clock.advance(5_000);
  clock.advance(5_000);
  deepEqual(ada.received.map((frame) => [frame.delta, frame.summary.history.t]), [
    [undefined, [1_000, 6_000, 11_000]],
    [true, [16_000]],
    [true, [21_000]],
  ]);
  equal(ada.received[2].summary.server_time, 21_000, "the numbers are current in every frame");

  feed.subscribe(ada, { type: "subscribe_status", delta: true });
  equal(ada.received[3].delta, undefined, "subscribing again sends the whole history again");
  equal(ada.received[3].summary.history.t.length, 5);
  publisher.stop();
});

Deno.test("status feed: each kind of frame is built once per sample, whoever asks", () => {
  const { clock, feed, publisher, built, subscriber } = setup();
  const subscribers = [subscriber(), subscriber(), subscriber(), subscriber()];
  feed.subscribe(subscribers[0], { type: "subscribe_status" });
  feed.subscribe(subscribers[1], { type: "subscribe_status", delta: true });
  feed.subscribe(subscribers[2], { type: "subscribe_status", delta: true });
  feed.subscribe(subscribers[3], { type: "subscribe_status" }, "admin");
  built.length = 0;
  clock.advance(5_000);
  deepEqual(built.sort(), ["admin", "public"], "one summary per view");
  const [whole, delta, sameDelta, admin] = subscribers.map((s) => s.received[1]);
  deepEqual(delta, sameDelta);
  equal(whole.summary.history.t.length, 2);
  equal(delta.summary.history.t.length, 1);
  deepEqual({ ...delta.summary, history: null }, { ...whole.summary, history: null });
  equal(admin.summary.view, "admin");
  publisher.stop();
});

Deno.test("status feed: close drops every subscriber", () => {
  const { clock, feed, publisher, subscriber } = setup();
  const ada = subscriber();
  feed.subscribe(ada, { type: "subscribe_status" });
  feed.close();
  clock.advance(10_000);
  equal(ada.received.length, 1);
  equal(feed.size, 0);
  publisher.stop();
});

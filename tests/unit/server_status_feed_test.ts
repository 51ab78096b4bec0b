import { deepEqual, equal } from "node:assert/strict";
import { createStatusFeed } from "../../lib/server/status_feed.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import {
  createClusterView,
  createIsolateIdentity,
  createSwitchboardMetrics,
} from "../../lib/server/metrics/mod.ts";
import { buildStatusSummary } from "../../lib/server/metrics/mod.ts";

function setup() {
  const clock = createVirtualClock(1_000);
  const identity = createIsolateIdentity({ clock, version: "1.0.0", buildId: "test" });
  const metrics = createSwitchboardMetrics({ clock, identity });
  const view = createClusterView({ clock });
  const feed = createStatusFeed({
    clock,
    intervalMs: 5_000,
    metrics,
    summarize: () => buildStatusSummary(view, { clock, identity }),
  });
  const received: { type: string; ref?: string; summary: { server_time: number } }[] = [];
  const subscriber = { sendText: (text: string) => received.push(JSON.parse(text)) };
  return { clock, metrics, feed, received, subscriber };
}

Deno.test("status feed: one frame on subscribe, one per interval, none once unsubscribed", () => {
  const { clock, metrics, feed, received, subscriber } = setup();
  feed.subscribe(subscriber, "r1");
  deepEqual(received.map((frame) => [frame.type, frame.ref]), [["status", "r1"]]);
  clock.advance(5_000);
  clock.advance(5_000);
  deepEqual(received.map((frame) => frame.summary.server_time), [1_000, 6_000, 11_000]);
  feed.unsubscribe(subscriber);
  equal(feed.size, 0);
  equal(clock.pending(), 0, "the timer stops with the last subscriber");
  clock.advance(5_000);
  equal(received.length, 3);
  equal(metrics.framesSent.labels("status").value, 3);
});

Deno.test("status feed: close drops every subscriber and the timer", () => {
  const { clock, feed, received, subscriber } = setup();
  feed.subscribe(subscriber);
  feed.close();
  clock.advance(10_000);
  equal(received.length, 1);
  equal(clock.pending(), 0);
});

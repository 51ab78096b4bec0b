import { deepEqual, equal, ok } from "node:assert/strict";
import { createClusterView } from "../../lib/server/metrics/cluster_view.ts";
import { quantile } from "../../lib/server/metrics/histogram.ts";
import { createIsolateIdentity } from "../../lib/server/metrics/identity.ts";
import { createSnapshotPublisher } from "../../lib/server/metrics/publisher.ts";
import type { IsolateSnapshot } from "../../lib/server/metrics/snapshot.ts";
import {
  createSwitchboardMetrics,
  METRIC_NAMES,
} from "../../lib/server/metrics/switchboard_metrics.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";

const INTERVAL_MS = 5_000;

function createIsolate(clock: VirtualClock, id: string, peers: { receive(s: unknown): boolean }[]) {
  const identity = createIsolateIdentity({
    clock,
    version: "1.0.0",
    buildId: "b1",
    id,
    host: `host-${id}`,
    region: null,
  });
  const metrics = createSwitchboardMetrics({
    clock,
    identity,
    memoryUsage: () => ({ rss: 1_000, heapUsed: 500 }),
  });
  const view = createClusterView({ clock, sampleIntervalMs: INTERVAL_MS });
  const publisher = createSnapshotPublisher({
    clock,
    intervalMs: INTERVAL_MS,
    metrics,
    view,
    // Stands in for the bus: every other isolate receives what this one publishes.
    publish: (snapshot) => peers.forEach((peer) => peer !== publisher && peer.receive(snapshot)),
  });
  peers.push(publisher);
  return { metrics, view, publisher };
}

function twoIsolates() {
  const clock = createVirtualClock(1_700_000_000_000);
  const peers: { receive(s: unknown): boolean }[] = [];
  const a = createIsolate(clock, "iso-a", peers);
  const b = createIsolate(clock, "iso-b", peers);
  return { clock, a, b };
}

Deno.test("two isolates' snapshots merge into rows and totals", () => {
  const { clock, a, b } = twoIsolates();
  a.metrics.connectionsOpen.labels("websocket").inc(2);
  a.metrics.usersOnline.set(2);
  a.metrics.handshakesRefused.labels("auth").inc();
  b.metrics.connectionsOpen.labels("sse").inc();
  b.metrics.usersOnline.set(1);
  b.metrics.handshakesRefused.labels("auth").inc(2);
  b.metrics.handshakesRefused.labels("origin").inc();
  for (let i = 0; i < 10; i++) a.metrics.deliveryLatency.observe(4);
  for (let i = 0; i < 10; i++) b.metrics.deliveryLatency.observe(200);
  a.publisher.start();
  b.publisher.start();
  clock.advance(INTERVAL_MS);

  for (const view of [a.view, b.view]) {
    deepEqual(view.isolates().map((report) => report.snapshot.isolate.id), ["iso-a", "iso-b"]);
    const totals = view.totals();
    equal(totals.isolates, 2);
    equal(totals.connections, 3);
    equal(totals.users, 3);
    const refused = totals.counters[METRIC_NAMES.handshakesRefused] as Record<string, number>;
    equal(refused.auth, 3);
    equal(refused.origin, 1);
    equal(totals.histograms[METRIC_NAMES.deliveryLatency].count, 20);
  }
  a.publisher.stop();
  b.publisher.stop();
  equal(clock.pending(), 0, "stopping clears the publish timers");
});

Deno.test("percentiles come from the merged buckets of the last windows", () => {
  const { clock, a, b } = twoIsolates();
  a.publisher.start();
  b.publisher.start();
  for (let i = 0; i < 10; i++) a.metrics.deliveryLatency.observe(4);
  for (let i = 0; i < 10; i++) b.metrics.deliveryLatency.observe(200);
  clock.advance(INTERVAL_MS);

  const recent = a.view.totals().recent_histograms[METRIC_NAMES.deliveryLatency];
  equal(recent.count, 20);
  // Half at ≤ 5 ms, half in the 100–250 ms bucket: p50 is the 5 ms bound, p99 near 250 ms.
  equal(quantile(recent, 0.5), 5);
  equal(quantile(recent, 0.99), 247);

  clock.advance(INTERVAL_MS);
  const quiet = a.view.totals().recent_histograms[METRIC_NAMES.deliveryLatency];
  equal(quiet.count, 0, "a window without messages has no recent latency");
  a.publisher.stop();
  b.publisher.stop();
});

Deno.test("messages per second are counter deltas over each isolate's window", () => {
  const { clock, a, b } = twoIsolates();
  a.publisher.start();
  b.publisher.start();
  a.metrics.messagesCommitted.inc(10);
  b.metrics.messagesCommitted.inc(5);
  clock.advance(INTERVAL_MS);
  equal(a.view.totals().messages_per_second, 3);
  clock.advance(INTERVAL_MS);
  equal(a.view.totals().messages_per_second, 0);
  // Each isolate ticks on its own timer, so a sample sees its peers' last window, which may
  // be one interval old: iso-a samples before iso-b's tick at the same instant.
  deepEqual(a.view.history().messages_per_second, [0, 2, 1]);
  a.publisher.stop();
  b.publisher.stop();
});

Deno.test("a stopped isolate disappears after its expiry and is reported missing", () => {
  const { clock, a, b } = twoIsolates();
  a.publisher.start();
  b.publisher.start();
  b.metrics.connectionsOpen.labels("websocket").inc(4);
  clock.advance(INTERVAL_MS);
  equal(a.view.totals().connections, 4);

  b.publisher.stop();
  clock.advance(3 * INTERVAL_MS - 1);
  equal(a.view.isolates().length, 2, "still within its expiry");
  clock.advance(INTERVAL_MS);
  deepEqual(a.view.isolates().map((report) => report.snapshot.isolate.id), ["iso-a"]);
  equal(a.view.totals().connections, 0);
  deepEqual(a.view.missing().map((gone) => gone.id), ["iso-b"]);

  clock.advance(5 * 60_000);
  deepEqual(a.view.missing(), [], "missing isolates are forgotten after a while");
  a.publisher.stop();
});

Deno.test("an isolate that drained before stopping is not reported missing", () => {
  const { clock, a, b } = twoIsolates();
  a.publisher.start();
  b.publisher.start();
  b.metrics.draining.set(1);
  b.publisher.publishNow();
  b.publisher.stop();
  clock.advance(4 * INTERVAL_MS);
  equal(a.view.isolates().length, 1);
  deepEqual(a.view.missing(), []);
  a.publisher.stop();
});

Deno.test("an isolate that comes back is live again and no longer missing", () => {
  const clock = createVirtualClock(0);
  const view = createClusterView({ clock });
  const identity = createIsolateIdentity({ clock, version: "1", buildId: "b", id: "x", host: "h" });
  const metrics = createSwitchboardMetrics({ clock, identity });
  ok(view.receive(metrics.snapshot({ ttlMs: 1_000 })));
  clock.advance(2_000);
  equal(view.missing().length, 1);
  ok(view.receive(metrics.snapshot({ ttlMs: 1_000 })));
  equal(view.isolates().length, 1);
  deepEqual(view.missing(), []);
});

Deno.test("what is not a valid, newer snapshot is ignored and changes nothing", () => {
  const clock = createVirtualClock(10_000);
  const view = createClusterView({ clock });
  const identity = createIsolateIdentity({ clock, version: "1", buildId: "b", id: "x", host: "h" });
  const metrics = createSwitchboardMetrics({ clock, identity });
  const older = metrics.snapshot({ ttlMs: 60_000 });
  metrics.connectionsOpen.labels("websocket").inc();
  clock.advance(1_000);
  const newer = metrics.snapshot({ ttlMs: 60_000 });

  equal(view.receive(newer), true);
  equal(view.receive(older), false);
  equal(view.receive({ isolate: { id: "y" } }), false);
  equal(view.receive("not even an object"), false);
  equal(view.receive({ ...newer, ttl_ms: -5 }), false);
  const broken: IsolateSnapshot = structuredClone(newer);
  broken.metrics.histograms[METRIC_NAMES.commitLatency].counts.pop();
  equal(view.receive({ ...broken, taken_at: newer.taken_at + 1 }), false);
  equal(view.isolates().length, 1);
  equal(view.totals().connections, 1);
});

Deno.test("busiest rooms add up across isolates and recent errors merge newest first", () => {
  const { clock, a, b } = twoIsolates();
  a.publisher.start();
  b.publisher.start();
  for (let i = 0; i < 10; i++) a.metrics.rooms.record("general");
  for (let i = 0; i < 5; i++) b.metrics.rooms.record("general");
  for (let i = 0; i < 20; i++) b.metrics.rooms.record("random");
  a.metrics.errors.record("internal", "first");
  clock.advance(1);
  b.metrics.errors.record("forbidden", "second");
  clock.advance(INTERVAL_MS - 1);

  const totals = a.view.totals();
  deepEqual(totals.busiest_rooms, [
    { room: "random", messages_per_second: 4 },
    { room: "general", messages_per_second: 3 },
  ]);
  deepEqual(totals.recent_errors.map(({ isolate, message }) => [isolate, message]), [
    ["iso-b", "second"],
    ["iso-a", "first"],
  ]);
  a.publisher.stop();
  b.publisher.stop();
});

Deno.test("the history keeps one sample per interval and at most its span", () => {
  const clock = createVirtualClock(0);
  const identity = createIsolateIdentity({ clock, version: "1", buildId: "b", id: "x", host: "h" });
  const metrics = createSwitchboardMetrics({ clock, identity });
  const view = createClusterView({ clock, sampleIntervalMs: 1_000, historySpanMs: 3_000 });
  const publisher = createSnapshotPublisher({
    clock,
    intervalMs: 1_000,
    metrics,
    view,
    publish: () => {},
  });
  publisher.start();
  for (let second = 1; second <= 5; second++) {
    metrics.connectionsOpen.labels("websocket").set(second);
    clock.advance(1_000);
  }
  const history = view.history();
  deepEqual(history.t, [3_000, 4_000, 5_000]);
  deepEqual(history.connections, [3, 4, 5]);
  equal(history.interval_ms, 1_000);
  publisher.stop();
});

Deno.test("a publish that throws is reported and the next tick publishes again", () => {
  const clock = createVirtualClock(0);
  const identity = createIsolateIdentity({ clock, version: "1", buildId: "b", id: "x", host: "h" });
  const metrics = createSwitchboardMetrics({ clock, identity });
  const view = createClusterView({ clock });
  const errors: unknown[] = [];
  let attempts = 0;
  const publisher = createSnapshotPublisher({
    clock,
    intervalMs: 1_000,
    metrics,
    view,
    publish: () => {
      attempts++;
      if (attempts === 1) throw new Error("channel closed");
    },
    onPublishError: (error) => errors.push(error),
  });
  equal(publisher.state, "idle");
  publisher.start();
  publisher.start();
  equal(errors.length, 1);
  equal(view.isolates().length, 1, "the own snapshot reaches the local view anyway");
  clock.advance(1_000);
  equal(attempts, 2);
  publisher.stop();
  equal(publisher.state, "stopped");
  publisher.start();
  equal(clock.pending(), 0, "a stopped publisher stays stopped");
});

import { deepEqual, equal, ok } from "node:assert/strict";
import { ClientFrame, ServerFrame } from "../../lib/protocol/frames.ts";
import { createIsolateIdentity } from "../../lib/server/metrics/identity.ts";
import { IsolateSnapshot } from "../../lib/server/metrics/snapshot.ts";
import {
  createSwitchboardMetrics,
  METRIC_NAMES,
  REFUSAL_REASONS,
  TRACKED_CLOSE_CODES,
} from "../../lib/server/metrics/switchboard_metrics.ts";
import { createRoomActivity } from "../../lib/server/metrics/room_activity.ts";
import { createRecentErrors } from "../../lib/server/metrics/recent_errors.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

function setup() {
  const clock = createVirtualClock(1_700_000_000_000);
  const identity = createIsolateIdentity({
    clock,
    version: "1.0.0",
    buildId: "b1",
    id: "iso-a",
    host: "host-a",
    region: "fra",
  });
  const metrics = createSwitchboardMetrics({
    clock,
    identity,
    memoryUsage: () => ({ rss: 64_000_000, heapUsed: 16_000_000 }),
  });
  return { clock, metrics };
}

Deno.test("each refusal reason moves its own series and no other", () => {
  const { metrics } = setup();
  REFUSAL_REASONS.forEach((reason, index) => {
    metrics.handshakesRefused.labels(reason).inc(index + 1);
  });
  const counted = metrics.registry.snapshot().counters[METRIC_NAMES.handshakesRefused];
  deepEqual(counted, {
    ...Object.fromEntries(REFUSAL_REASONS.map((reason, index) => [reason, index + 1])),
    other: 0,
  });
});

Deno.test("each contract close code moves its own series; an unknown code counts as other", () => {
  const { metrics } = setup();
  for (const code of TRACKED_CLOSE_CODES) metrics.connectionsClosed.labels(code).inc();
  metrics.connectionsClosed.labels(4999).inc();
  const counted = metrics.registry.snapshot().counters[METRIC_NAMES.connectionsClosed];
  for (const code of [1000, 1001, 1009, 1011, 1012, 4400, 4401, 4403, 4408, 4409, 4429]) {
    equal((counted as Record<string, number>)[code], 1, `code ${code}`);
  }
  equal((counted as Record<string, number>).other, 1);
});

Deno.test("every frame type of the contract has its own series in and out", () => {
  const { metrics } = setup();
  const counters = metrics.registry.snapshot().counters;
  const received = Object.keys(counters[METRIC_NAMES.framesReceived]);
  const sent = Object.keys(counters[METRIC_NAMES.framesSent]);
  for (const frame of ClientFrame.options) ok(received.includes(frame.shape.type.value));
  for (const frame of ServerFrame.options) ok(sent.includes(frame.shape.type.value));
});

Deno.test("a snapshot reports gauges, cumulative values and the window since the last one", () => {
  const { clock, metrics } = setup();
  metrics.connectionsOpen.labels("websocket").inc(3);
  metrics.connectionsOpen.labels("sse").inc();
  metrics.usersOnline.set(2);
  metrics.roomsActive.set(1);
  metrics.messagesCommitted.inc(10);
  metrics.rooms.record("general");
  metrics.errors.record("internal", "commit failed");
  clock.advance(5_000);

  const first = metrics.snapshot({ ttlMs: 15_000 });
  IsolateSnapshot.parse(first);
  equal(first.connections, 4);
  equal(first.users, 2);
  equal(first.rooms, 1);
  deepEqual(first.memory, { rss_bytes: 64_000_000, heap_used_bytes: 16_000_000 });
  equal(first.state, "running");
  equal(first.kv_ok, true);
  equal(first.window.duration_ms, 5_000);
  equal(first.window.counters[METRIC_NAMES.messagesCommitted], 10);
  deepEqual(first.busy_rooms, [{ room: "general", messages: 1, members: 0, errors: 0 }]);
  deepEqual(first.recent_errors, [
    { ts: 1_700_000_000_000, code: "internal", message: "commit failed" },
  ]);

  metrics.messagesCommitted.inc(2);
  metrics.commitLatency.observe(7);
  metrics.kvUp.set(0);
  metrics.draining.set(1);
  clock.advance(4_000);
  const second = metrics.snapshot({ ttlMs: 15_000 });
  equal(second.window.duration_ms, 4_000);
  equal(second.window.counters[METRIC_NAMES.messagesCommitted], 2);
  equal(second.metrics.counters[METRIC_NAMES.messagesCommitted], 12);
  equal(second.window.histograms[METRIC_NAMES.commitLatency].count, 1);
  deepEqual(second.busy_rooms, []);
  equal(second.state, "draining");
  equal(second.kv_ok, false);
});

Deno.test("room activity counts per window and forgets silent rooms", () => {
  const activity = createRoomActivity({ maxRooms: 2 });
  for (const room of ["a", "b", "b", "c"]) activity.record(room);
  deepEqual(activity.take(5), [
    { room: "b", messages: 2, members: 0, errors: 0 },
    { room: "a", messages: 1, members: 0, errors: 0 },
  ]);
  activity.record("a");
  deepEqual(activity.take(1), [{ room: "a", messages: 1, members: 0, errors: 0 }]);
  deepEqual(activity.take(5), []);
  activity.record("c");
  deepEqual(activity.take(5), [{ room: "c", messages: 1, members: 0, errors: 0 }]);
});

Deno.test("room activity keeps rooms with members, their errors and delivery latencies", () => {
  const activity = createRoomActivity();
  activity.setMembers("quiet", 3);
  activity.record("busy");
  activity.recordDelivery("busy", 4);
  activity.recordDelivery("busy", 40);
  activity.recordError("busy");
  const [busy, quiet] = activity.take(5);
  equal(busy.room, "busy");
  equal(busy.errors, 1);
  // 4 ms lands in the 5 ms bucket (slot 2), 40 ms in the 50 ms bucket (slot 5).
  deepEqual(busy.deliveries, [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  deepEqual(quiet, { room: "quiet", messages: 0, members: 3, errors: 0 });
  // A silent room with members stays; the busy one, silent and without members, goes.
  deepEqual(activity.take(5), [{ room: "quiet", messages: 0, members: 3, errors: 0 }]);
  activity.setMembers("quiet", 0);
  deepEqual(activity.take(5), []);
});

Deno.test("recent errors keep only the newest, newest first", () => {
  const clock = createVirtualClock(0);
  const errors = createRecentErrors({ clock, capacity: 2 });
  for (const code of ["bad_frame", "internal", "forbidden"]) {
    clock.advance(10);
    errors.record(code, `${code} happened`);
  }
  deepEqual(errors.list(), [
    { ts: 30, code: "forbidden", message: "forbidden happened" },
    { ts: 20, code: "internal", message: "internal happened" },
  ]);
});

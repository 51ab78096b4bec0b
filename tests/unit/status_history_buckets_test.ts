/** Buckets add up, regroup into chart points, and minutes become incidents. */
import { deepEqual, equal } from "node:assert/strict";
import {
  emptyBucket,
  HOUR_MS,
  INCIDENT_MERGE_MS,
  mergeBuckets,
  MINUTE_MS,
  nextIncident,
  regroup,
  ROOMS_KEPT,
  type StoredIncident,
} from "../../lib/server/status_history/mod.ts";

const T0 = Date.UTC(2027, 0, 1);

function minute(t: number, messages: number, connections: number) {
  return {
    ...emptyBucket(t, MINUTE_MS),
    covered_ms: MINUTE_MS,
    messages,
    connections,
    deliveries: [0, messages, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    top_rooms: [{
      room: `room-${t % 13}`,
      connections,
      messages,
      deliveries: [0, messages, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      errors: 0,
    }],
  };
}

Deno.test("merged buckets keep peaks, add counts, and keep the busiest rooms", () => {
  const parts = Array.from(
    { length: 12 },
    (_, index) => minute(T0 + index * MINUTE_MS, index, index),
  );
  const hour = mergeBuckets(T0, HOUR_MS, parts);
  equal(hour.connections, 11, "the peak");
  equal(hour.messages, 66, "the sum");
  equal(hour.covered_ms, 12 * MINUTE_MS);
  equal(hour.deliveries[1], 66);
  equal(hour.top_rooms.length, ROOMS_KEPT);
  equal(hour.top_rooms[0].messages, 11, "busiest first");
});

Deno.test("regrouping makes one point per span, oldest first, none where nothing was stored", () => {
  const minutes = [0, 1, 2, 12, 13].map((offset) => minute(T0 + offset * MINUTE_MS, 1, offset));
  const points = regroup(minutes, 5 * MINUTE_MS);
  deepEqual(points.map((point) => point.t), [T0, T0 + 10 * MINUTE_MS]);
  deepEqual(points.map((point) => point.messages), [3, 2]);
});

Deno.test("minutes open, continue and close an incident; a flap soon after continues it", () => {
  const at = (minutes: number) => T0 + minutes * MINUTE_MS;
  let latest: StoredIncident | null = null;
  const step = (minutes: number, status: "ok" | "degraded" | "down", reasons: string[] = []) => {
    const result = nextIncident(latest, { t: at(minutes), status, reasons });
    latest = result.latest;
    return result.changed;
  };
  deepEqual(step(0, "ok"), []);
  equal(step(1, "degraded", ["slow"])[0].start, at(1));
  step(2, "down", ["store"]);
  const closed = step(3, "ok");
  deepEqual(
    [closed[0].end, closed[0].status, closed[0].reasons],
    [at(3), "down", ["slow", "store"]],
  );
  const reopened = step(3 + INCIDENT_MERGE_MS / MINUTE_MS, "degraded", ["slow"]);
  deepEqual([reopened[0].id, reopened[0].end], [at(1), null], "the same incident, open again");
  step(10, "ok");
  const fresh = step(30, "degraded", ["slow"]);
  equal(fresh[0].id, at(30), "long after: a new incident");
  // Nothing recorded for ten minutes: the open incident ends at its last minute.
  const gap = step(41, "ok");
  equal(gap[0].end, at(31));
});

/**
 * The `status` frame's deltas (`lib/protocol/status_history.ts`): the server
 * cuts a summary to its newest sample, the client appends it to the history it
 * holds, and the two agree on how many samples 15 minutes hold.
 */
import { deepEqual, equal } from "node:assert/strict";
import { StatusSummary } from "../../lib/protocol/status.ts";
import {
  applyStatusDelta,
  historyCapacity,
  onlyNewestSample,
} from "../../lib/protocol/status_history.ts";
import { createHistoryRing } from "../../lib/server/metrics/history.ts";
import { statusHistory, statusSummary } from "./ui_status_fixture.ts";

Deno.test("historyCapacity: 15 minutes of samples, as many as the server's ring keeps", () => {
  equal(historyCapacity(5_000), 180);
  equal(historyCapacity(7_000), 129);
  equal(historyCapacity(60 * 60_000), 1, "always at least one");
  const ring = createHistoryRing({ intervalMs: 7_000 });
  for (let t = 0; t < 200; t++) {
    ring.record({
      t,
      connections: t,
      users_online: 0,
      messages_per_second: 0,
      delivery_p50_ms: null,
      delivery_p99_ms: null,
    });
  }
  equal(ring.toJSON().t.length, historyCapacity(7_000));
});

Deno.test("onlyNewestSample keeps every number and the newest sample of each column", () => {
  const summary = statusSummary({ history: statusHistory(12) });
  const delta = onlyNewestSample(summary);
  StatusSummary.parse(delta);
  deepEqual({ ...delta, history: null }, { ...summary, history: null });
  for (const column of ["t", "connections", "delivery_p50_ms", "delivery_p99_ms"] as const) {
    deepEqual(delta.history[column], summary.history[column].slice(-1));
  }
  const empty = statusSummary({ history: statusHistory(0) });
  deepEqual(onlyNewestSample(empty).history.t, []);
});

Deno.test("applyStatusDelta appends, drops the oldest past capacity, and never doubles a sample", () => {
  const end = 1_700_000_000_000;
  const held = statusSummary({ history: statusHistory(3, end) });
  const delta = onlyNewestSample(
    statusSummary({ connections: 99, history: statusHistory(4, end + 5_000) }),
  );
  const next = applyStatusDelta(held, delta);
  StatusSummary.parse(next);
  equal(next.connections, 99);
  deepEqual(next.history.t, [...held.history.t, end + 5_000]);
  deepEqual(next.history.connections, [...held.history.connections, delta.history.connections[0]]);
  deepEqual(applyStatusDelta(next, delta).history.t, next.history.t, "the same delta twice");

  const full = statusSummary({ history: statusHistory(historyCapacity(5_000), end) });
  const slid = applyStatusDelta(full, delta);
  equal(slid.history.t.length, historyCapacity(5_000));
  deepEqual(slid.history.t.slice(-2), [end, end + 5_000]);
  equal(slid.history.t[0], full.history.t[1]);
});

Deno.test("applyStatusDelta takes a delta at another interval as it is", () => {
  const held = statusSummary({ history: statusHistory(3) });
  const other = statusSummary({ history: { ...statusHistory(1), interval_ms: 10_000 } });
  deepEqual(applyStatusDelta(held, other), other);
});

/**
 * Status responses for tests of the status page and its feed, valid against
 * the schemas in `lib/protocol/status.ts`.
 *
 * @example
 * ```ts
 * const summary = statusSummary({ connections: 4 });
 * const detail = statusDetail({ refusals: { origin: 2 } });
 * ```
 */
import {
  StatusDetail,
  type StatusHistory,
  StatusRangeData,
  StatusSummary,
} from "../../lib/protocol/status.ts";
import { STATUS_RANGE_SPECS, type StatusRange } from "../../lib/protocol/status_range.ts";

/** A history of `samples` points, five seconds apart, ending at `end`. */
export function statusHistory(samples: number, end = 1_700_000_000_000): StatusHistory {
  const t = Array.from({ length: samples }, (_, index) => end - (samples - 1 - index) * 5_000);
  return {
    interval_ms: 5_000,
    t,
    connections: t.map((_, index) => 10 + (index % 7)),
    users_online: t.map((_, index) => 8 + (index % 5)),
    messages_per_second: t.map((_, index) => (index % 4) * 1.5),
    delivery_p50_ms: t.map((_, index) => (index === 2 ? null : 2 + (index % 3))),
    delivery_p99_ms: t.map((_, index) => (index === 2 ? null : 12 + (index % 6) * 4)),
  };
}

/** A public summary; `overrides` replace top-level fields. */
export function statusSummary(overrides: Partial<StatusSummary> = {}): StatusSummary {
  const history = overrides.history ?? statusHistory(12);
  return StatusSummary.parse({
    view: "public",
    status: "ok",
    reasons: [],
    server_time: history.t.at(-1) ?? 1_700_000_000_000,
    connections: 16,
    users_online: 12,
    rooms: 3,
    messages_per_second: 4.5,
    delivery_latency_ms: { p50: 3, p99: 28 },
    isolates_up: 2,
    uptime_s: 3_900,
    version: "1.0.0",
    build_id: "abc123",
    history,
    recent: { window_s: 300, messages: 37, deliveries: 35, delivery_ms: { p50: 3, p99: 41 } },
    last_message_at: (history.t.at(-1) ?? 1_700_000_000_000) - 4_000,
    last_delivery: { at: (history.t.at(-1) ?? 1_700_000_000_000) - 4_000, p50: 3, p99: 41 },
    ...overrides,
  });
}

const DAY_MS = 86_400_000;

/**
 * A range's stored data ending at `end`: one point per bucket for the last
 * `points` buckets, 90 uptime days (the last 30 all ok, one degraded minute
 * yesterday), and one closed incident with a note.
 */
export function statusRangeData(
  range: StatusRange = "24h",
  { end = 1_700_000_000_000, points = 12, overrides = {} as Partial<StatusRangeData> } = {},
): StatusRangeData {
  const spec = STATUS_RANGE_SPECS[range];
  const bucketMs = spec.source === "live" ? 5_000 : spec.bucketMs;
  const history = statusHistory(points, end);
  const today = Math.floor(end / DAY_MS) * DAY_MS;
  const uptime = Array.from({ length: 90 }, (_, index) => {
    const day = today - (89 - index) * DAY_MS;
    const recorded = index >= 60;
    const degraded = index === 88 ? 1 : 0;
    return {
      day,
      ok: recorded ? 1_440 - degraded : 0,
      degraded,
      down: 0,
      no_data: recorded ? 0 : 1_440,
    };
  });
  return StatusRangeData.parse({
    range: { name: range, from: end - spec.spanMs, to: end, bucket_ms: bucketMs },
    history: {
      ...history,
      interval_ms: bucketMs,
      t: history.t.map((_, index) => end - (points - 1 - index) * bucketMs),
    },
    uptime,
    incidents: [{
      id: end - DAY_MS,
      start: end - DAY_MS,
      end: end - DAY_MS + 12 * 60_000,
      status: "degraded",
      reasons: ["delivery p99 is 740 ms (limit 500 ms)"],
      notes: [{ at: end - DAY_MS + 5 * 60_000, by: "root", text: "A noisy neighbour; moved." }],
    }],
    ...overrides,
  });
}

/** An admin detail with two isolates; `overrides` replace top-level fields. */
export function statusDetail(overrides: Partial<StatusDetail> = {}): StatusDetail {
  const { view: _view, ...summary } = statusSummary();
  const now = summary.server_time;
  const isolate = (id: string, connections: number) => ({
    id,
    host: `host-${id}`,
    region: id === "a1" ? "fra" : null,
    version: "1.0.0",
    build_id: "abc123",
    deno_version: "2.9.6",
    state: "running" as const,
    kv_ok: true,
    started_at: now - 3_900_000,
    uptime_s: 3_900,
    last_seen: now - 2_000,
    connections,
    users: connections - 2,
    rooms: 2,
    messages_per_second: 2.25,
    memory: { rss_bytes: 96 * 1024 * 1024, heap_used_bytes: 41 * 1024 * 1024 },
  });
  return StatusDetail.parse({
    view: "admin",
    ...summary,
    isolates: [isolate("a1", 9), isolate("b2", 7)],
    missing_isolates: [],
    cluster: { engine: "kv", instance: "a1", instances: 2, expiry_ms: 15_000 },
    refusals: { origin: 2, auth: 5, user_limit: 0 },
    refusals_per_second: 0.1,
    busiest_rooms: [{ room: "general", messages_per_second: 3.5 }],
    recent_errors: [],
    latency_ms: {
      commit: { p50: 1, p99: 6 },
      fanout: { p50: 0.5, p99: 3 },
      delivery: { p50: 3, p99: 28 },
      heartbeat_rtt: { p50: 1, p99: 4 },
    },
    ...overrides,
  });
}

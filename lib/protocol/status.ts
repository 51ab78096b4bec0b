/**
 * `GET /api/status`: the live status JSON. Everyone gets the public summary
 * (`view: "public"`); a role `admin` token gets the same summary plus the
 * detail (`view: "admin"`): each isolate, refusals by reason, the busiest
 * rooms and recent errors. The StatusBoard island reads either.
 *
 * @example
 * ```ts
 * const body = StatusResponse.parse(await (await fetch("/api/status")).json());
 * if (body.view === "admin") console.table(body.isolates);
 * ```
 */
import { z } from "zod";

const Count = z.number().int().nonnegative();
const Rate = z.number().nonnegative();
const Millis = z.number().nonnegative();

/** The overall state, said in words next to its color. */
export const HealthState = z.enum(["ok", "degraded", "down"]);
export type HealthState = z.infer<typeof HealthState>;

/** Percentiles of a latency; `null` when nothing was measured in the window. */
export const LatencyPercentiles = z.object({
  p50: Millis.nullable(),
  p99: Millis.nullable(),
});
export type LatencyPercentiles = z.infer<typeof LatencyPercentiles>;

/** Up to 15 minutes of samples for sparklines, oldest first; every column has one entry per `t`. */
export const StatusHistory = z.object({
  interval_ms: z.number().int().positive(),
  t: z.array(z.number()),
  connections: z.array(Count),
  users_online: z.array(Count),
  messages_per_second: z.array(Rate),
  delivery_p50_ms: z.array(Millis.nullable()),
  delivery_p99_ms: z.array(Millis.nullable()),
}).refine(
  (history) =>
    [
      history.connections,
      history.users_online,
      history.messages_per_second,
      history.delivery_p50_ms,
      history.delivery_p99_ms,
    ].every((column) => column.length === history.t.length),
  { message: "every history column has one entry per sample time" },
);
export type StatusHistory = z.infer<typeof StatusHistory>;

const summaryShape = {
  status: HealthState,
  /** Why the state is not `ok`, in words; empty when it is. */
  reasons: z.array(z.string()),
  server_time: z.number(),
  connections: Count,
  users_online: Count,
  rooms: Count,
  messages_per_second: Rate,
  delivery_latency_ms: LatencyPercentiles,
  isolates_up: Count,
  uptime_s: z.number().nonnegative(),
  version: z.string(),
  build_id: z.string(),
  history: StatusHistory,
};

/** The public summary. Strict: no admin field may leak into it. */
export const StatusSummary = z.strictObject({ view: z.literal("public"), ...summaryShape });
export type StatusSummary = z.infer<typeof StatusSummary>;

/** One isolate's row in the admin view. */
export const IsolateRow = z.object({
  id: z.string(),
  host: z.string(),
  region: z.string().nullable(),
  version: z.string(),
  build_id: z.string(),
  deno_version: z.string(),
  state: z.enum(["running", "draining"]),
  kv_ok: z.boolean(),
  started_at: z.number(),
  uptime_s: z.number().nonnegative(),
  last_seen: z.number(),
  connections: Count,
  users: Count,
  rooms: Count,
  messages_per_second: Rate,
  memory: z.object({ rss_bytes: Count, heap_used_bytes: Count }),
});
export type IsolateRow = z.infer<typeof IsolateRow>;

/** The admin view: the summary plus what only operators need. */
export const StatusDetail = z.strictObject({
  view: z.literal("admin"),
  ...summaryShape,
  isolates: z.array(IsolateRow),
  /** Isolates that stopped reporting without draining, recently. */
  missing_isolates: z.array(z.object({ id: z.string(), host: z.string(), last_seen: z.number() })),
  /** Handshakes refused since the live isolates started, by reason. */
  refusals: z.record(z.string(), Count),
  refusals_per_second: Rate,
  busiest_rooms: z.array(z.object({ room: z.string(), messages_per_second: Rate })).max(20),
  recent_errors: z.array(z.object({
    ts: z.number(),
    isolate: z.string(),
    code: z.string(),
    message: z.string(),
  })),
  latency_ms: z.object({
    commit: LatencyPercentiles,
    fanout: LatencyPercentiles,
    delivery: LatencyPercentiles,
    heartbeat_rtt: LatencyPercentiles,
  }),
});
export type StatusDetail = z.infer<typeof StatusDetail>;

/** Either view, told apart by `view`. */
export const StatusResponse = z.discriminatedUnion("view", [StatusSummary, StatusDetail]);
export type StatusResponse = z.infer<typeof StatusResponse>;

/** Which of the two a reader is given: `admin` for role `admin`, else `public`. */
export type StatusView = StatusResponse["view"];

/**
 * `GET /api/status`: the live status JSON. Everyone gets the public summary
 * (`view: "public"`); a role `admin` token gets the same summary plus the
 * detail (`view: "admin"`): each isolate, refusals by reason, the busiest
 * rooms and recent errors. The StatusBoard island reads either.
 *
 * `GET /api/status?range=24h` answers the same with the stored history of
 * the range (`./status_range.ts`): `history` at the range's resolution, and
 * `range`, `uptime` (90 days) and `incidents`; admins also get `drilldown`,
 * the range by isolate and by room.
 *
 * @example
 * ```ts
 * const body = StatusResponse.parse(await (await fetch("/api/status")).json());
 * if (body.view === "admin") console.table(body.isolates);
 * ```
 */
import { z } from "zod";
import {
  INCIDENT_NOTE_CHARS,
  INCIDENT_NOTES_MAX,
  INCIDENTS_SHOWN,
  STATUS_RANGES,
  UPTIME_DAYS,
} from "./status_range.ts";

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

/**
 * Samples for the charts, oldest first; every column has one entry per `t`.
 * Live: up to 15 minutes, one sample per `interval_ms`. For a stored range:
 * one point per `interval_ms` of the range (a sample's `t` is where its
 * bucket starts), connections and users the peak within it, messages per
 * second its average, latencies over every delivery in it; a bucket nothing
 * was recorded in has no point.
 */
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

/** The last five minutes, added up: what the big numbers show at any traffic. */
export const RecentActivity = z.object({
  /** How far back, in seconds (300). */
  window_s: z.number().int().positive(),
  /** Messages committed. */
  messages: Count,
  /** Deliveries whose latency was measured. */
  deliveries: Count,
  /** Over those deliveries; null when there were none. */
  delivery_ms: LatencyPercentiles,
});
export type RecentActivity = z.infer<typeof RecentActivity>;

/** The newest delivery latencies measured, and when: shown when the last five minutes had none. */
export const LastDelivery = z.object({ at: z.number(), p50: Millis, p99: Millis });
export type LastDelivery = z.infer<typeof LastDelivery>;

/** Which range a history covers. */
export const RangeInfo = z.object({
  name: z.enum(STATUS_RANGES),
  from: z.number(),
  to: z.number(),
  /** One point per this; for `15m`, the sampling interval. */
  bucket_ms: z.number().int().positive(),
});
export type RangeInfo = z.infer<typeof RangeInfo>;

/** One UTC day of the uptime bar: its minutes by status; the day's start in `day`. */
export const UptimeDay = z.object({
  day: z.number(),
  ok: Count,
  degraded: Count,
  down: Count,
  /** Minutes nothing was recorded in (today: only the minutes so far). */
  no_data: Count,
});
export type UptimeDay = z.infer<typeof UptimeDay>;

/** A note an admin added to an incident. */
export const IncidentNote = z.object({
  at: z.number(),
  /** The admin's name. */
  by: z.string().max(64),
  text: z.string().min(1).max(INCIDENT_NOTE_CHARS),
});
export type IncidentNote = z.infer<typeof IncidentNote>;

/** A period the status was degraded or down. */
export const Incident = z.object({
  /** Its start, which names it. */
  id: z.number(),
  start: z.number(),
  /** When the status was ok again; null while it lasts. */
  end: z.number().nullable(),
  /** The worst status it reached. */
  status: z.enum(["degraded", "down"]),
  /** Every reason given while it lasted (the first ten). */
  reasons: z.array(z.string().max(200)).max(10),
  notes: z.array(IncidentNote).max(INCIDENT_NOTES_MAX),
});
export type Incident = z.infer<typeof Incident>;

/** One isolate or room over a range (admin view). */
export const DrilldownRow = z.object({
  /** The isolate's id, or the room's name. */
  key: z.string(),
  /** The isolate's host; the room's name again. */
  label: z.string(),
  /** The most connections it had at once (a room: its members). */
  connections: Count,
  messages_per_second: Rate,
  delivery_p99_ms: Millis.nullable(),
  /** Error frames sent. */
  errors: Count,
  /** Messages per second at each of the drill-down's `t`; null where it had no record. */
  series: z.array(Rate.nullable()),
});
export type DrilldownRow = z.infer<typeof DrilldownRow>;

/**
 * A range by isolate (at most 16) and by room (the 10 with the most
 * messages), from the stored minutes or hours: the range's points, or for
 * `15m` one per stored minute.
 */
export const Drilldown = z.object({
  /** Where each point of the rows' `series` starts. */
  t: z.array(z.number()),
  /** How long each point stands for. */
  interval_ms: z.number().int().positive(),
  instances: z.array(DrilldownRow).max(16),
  rooms: z.array(DrilldownRow).max(10),
});
export type Drilldown = z.infer<typeof Drilldown>;

const rangeShape = {
  range: RangeInfo,
  /** The last {@linkcode UPTIME_DAYS} UTC days, oldest first, today last. */
  uptime: z.array(UptimeDay).max(UPTIME_DAYS),
  /** The newest incidents of the last 90 days, newest first. */
  incidents: z.array(Incident).max(INCIDENTS_SHOWN),
};

/** What a range adds to the live status: its history, the uptime bar, the incidents. */
export const StatusRangeData = z.object({
  ...rangeShape,
  history: StatusHistory,
  drilldown: Drilldown.optional(),
});
export type StatusRangeData = z.infer<typeof StatusRangeData>;

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
  recent: RecentActivity,
  /** When the newest message was committed, as far as the history reaches (48 h). */
  last_message_at: z.number().nullable(),
  last_delivery: LastDelivery.nullable(),
  range: rangeShape.range.optional(),
  uptime: rangeShape.uptime.optional(),
  incidents: rangeShape.incidents.optional(),
};

/** The public summary. Strict: no admin field may leak into it. */
export const StatusSummary = z.strictObject({ view: z.literal("public"), ...summaryShape });
export type StatusSummary = z.infer<typeof StatusSummary>;

/**
 * The cluster plane as the answering instance sees it: `local` (the isolates
 * of one process), `kv` (instances sharing a Deno KV database) or `postgres`
 * (processes sharing a PostgreSQL database), how many
 * instances are alive (by heartbeat), and how long one counts after its last.
 */
export const ClusterSummary = z.object({
  engine: z.enum(["local", "kv", "postgres"]),
  instance: z.string(),
  instances: Count,
  expiry_ms: Count,
});
export type ClusterSummary = z.infer<typeof ClusterSummary>;

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
  /** The cluster plane: its engine, and the instances alive as the answering one sees them. */
  cluster: ClusterSummary,
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
  /** With `?range=`: the range by isolate and by room. */
  drilldown: Drilldown.optional(),
});
export type StatusDetail = z.infer<typeof StatusDetail>;

/** Either view, told apart by `view`. */
export const StatusResponse = z.discriminatedUnion("view", [StatusSummary, StatusDetail]);
export type StatusResponse = z.infer<typeof StatusResponse>;

/** Which of the two a reader is given: `admin` for role `admin`, else `public`. */
export type StatusView = StatusResponse["view"];

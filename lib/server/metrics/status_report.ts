/**
 * Builds `GET /api/status` from the cluster view: the public summary for
 * everyone, the admin detail for role `admin` (see `lib/protocol/status.ts`
 * for the shapes, and `health.ts` for how the state is decided).
 *
 * @example
 * ```ts
 * const body = user?.role === "admin"
 *   ? buildStatusDetail(view, { clock, identity: metrics.identity })
 *   : buildStatusSummary(view, { clock, identity: metrics.identity });
 * return Response.json(body, { headers: { "cache-control": "no-store" } });
 * ```
 */
import type {
  ClusterSummary,
  IsolateRow,
  LastDelivery,
  LatencyPercentiles,
  RecentActivity,
  StatusDetail,
  StatusSummary,
} from "../../protocol/status.ts";
import type { Clock } from "../../time/clock.ts";
import { type ClusterTotals, type ClusterView, windowRate } from "./cluster_view.ts";
import { assessHealth, DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from "./health.ts";
import { type HistogramData, quantile } from "./histogram.ts";
import type { IsolateIdentity } from "./identity.ts";
import { METRIC_NAMES } from "./switchboard_metrics.ts";

/** Options of the status builders. */
export interface StatusReportOptions {
  clock: Clock;
  /** The answering isolate: its version and build id are reported. */
  identity: IsolateIdentity;
  thresholds?: HealthThresholds;
  /**
   * The last five minutes and the newest values seen (the status history's
   * recorder). Without it the summary says nothing was recorded.
   */
  activity?: StatusActivity;
  /** The cluster plane, for the admin detail. Default: a `local` cluster of this isolate alone. */
  cluster?: () => ClusterSummary;
}

/** What the big numbers show beyond the current window. */
export interface StatusActivity {
  recent(): RecentActivity;
  lastKnown(): { message_at: number | null; delivery: LastDelivery | null };
}

const NOTHING_RECORDED: StatusActivity = {
  recent: () => ({
    window_s: 300,
    messages: 0,
    deliveries: 0,
    delivery_ms: { p50: null, p99: null },
  }),
  lastKnown: () => ({ message_at: null, delivery: null }),
};

function percentiles(histogram: HistogramData | undefined): LatencyPercentiles {
  if (!histogram) return { p50: null, p99: null };
  return { p50: quantile(histogram, 0.5), p99: quantile(histogram, 0.99) };
}

function summarize(
  view: ClusterView,
  totals: ClusterTotals,
  options: StatusReportOptions,
): Omit<StatusSummary, "view"> {
  const now = options.clock.now();
  const health = assessHealth(view, options.thresholds ?? DEFAULT_HEALTH_THRESHOLDS, totals);
  const starts = view.isolates().map((report) => report.snapshot.isolate.started_at);
  const oldest = starts.length > 0 ? Math.min(...starts) : now;
  const activity = options.activity ?? NOTHING_RECORDED;
  const known = activity.lastKnown();
  return {
    status: health.status,
    reasons: health.reasons,
    server_time: now,
    connections: totals.connections,
    users_online: totals.users,
    rooms: totals.rooms,
    messages_per_second: totals.messages_per_second,
    delivery_latency_ms: percentiles(totals.recent_histograms[METRIC_NAMES.deliveryLatency]),
    isolates_up: totals.isolates,
    uptime_s: Math.max(0, (now - oldest) / 1000),
    version: options.identity.version,
    build_id: options.identity.build_id,
    history: view.history(),
    recent: activity.recent(),
    last_message_at: known.message_at,
    last_delivery: known.delivery,
  };
}

/** The public summary. */
export function buildStatusSummary(
  view: ClusterView,
  options: StatusReportOptions,
): StatusSummary {
  return { view: "public", ...summarize(view, view.totals(), options) };
}

/** The admin view: the summary plus isolates, refusals, busiest rooms and recent errors. */
export function buildStatusDetail(view: ClusterView, options: StatusReportOptions): StatusDetail {
  const totals = view.totals();
  const now = options.clock.now();
  const isolates: IsolateRow[] = view.isolates().map(({ snapshot, received_at }) => ({
    ...snapshot.isolate,
    state: snapshot.state,
    kv_ok: snapshot.kv_ok,
    uptime_s: Math.max(0, (now - snapshot.isolate.started_at) / 1000),
    last_seen: received_at,
    connections: snapshot.connections,
    users: snapshot.users,
    rooms: snapshot.rooms,
    messages_per_second: windowRate(snapshot, METRIC_NAMES.messagesCommitted),
    memory: snapshot.memory,
  }));
  const refused = totals.counters[METRIC_NAMES.handshakesRefused];
  const recent = totals.recent_histograms;
  return {
    view: "admin",
    ...summarize(view, totals, options),
    isolates,
    missing_isolates: view.missing(),
    cluster: options.cluster?.() ??
      { engine: "local", instance: options.identity.id, instances: 1, expiry_ms: 0 },
    refusals: typeof refused === "object" ? refused : {},
    refusals_per_second: totals.refusals_per_second,
    busiest_rooms: totals.busiest_rooms,
    recent_errors: totals.recent_errors,
    latency_ms: {
      commit: percentiles(recent[METRIC_NAMES.commitLatency]),
      fanout: percentiles(recent[METRIC_NAMES.fanoutLatency]),
      delivery: percentiles(recent[METRIC_NAMES.deliveryLatency]),
      heartbeat_rtt: percentiles(recent[METRIC_NAMES.heartbeatRtt]),
    },
  };
}

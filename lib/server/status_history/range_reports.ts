/**
 * What `/status?range=` and `GET /api/status?range=` show from the stored
 * history: the range's points (`lib/protocol/status_range.ts` says how many
 * and how coarse), the 90-day uptime bar, the incidents, and for admins the
 * range by isolate and by room.
 *
 * Reads are shared: a range's answer is kept for {@linkcode RANGE_CACHE_MS}
 * (the history gains a point once a minute), so however many people watch,
 * an instance reads each range of each view at most twice a minute. The
 * `15m` range takes its points from the live samples in memory instead.
 *
 * @example
 * ```ts
 * const reports = createRangeReports({ store, clock, liveHistory: () => view.history() });
 * const data = await reports.read("24h", "public"); // { range, history, uptime, incidents }
 * ```
 */
import type {
  Drilldown,
  DrilldownRow,
  StatusHistory,
  StatusRangeData,
  StatusView,
  UptimeDay,
} from "../../protocol/status.ts";
import {
  INCIDENTS_SHOWN,
  STATUS_RANGE_SPECS,
  type StatusRange,
  UPTIME_DAYS,
} from "../../protocol/status_range.ts";
import type { Clock } from "../../time/clock.ts";
import {
  addCounts,
  bucketStart,
  DAY_MS,
  deliveryPercentiles,
  type HistoryBucket,
  HOUR_MS,
  INSTANCES_KEPT,
  mergeBuckets,
  MINUTE_MS,
  noDeliveries,
  regroup,
  ROOMS_KEPT,
} from "./bucket.ts";
import { HISTORY_RETENTION, type StatusHistoryStore } from "./store.ts";

/** How long a range's answer is reused. */
export const RANGE_CACHE_MS = 30_000;

/** Options of {@linkcode createRangeReports}. */
export interface RangeReportsOptions {
  store: StatusHistoryStore;
  clock: Clock;
  /** The live samples, for the `15m` range. */
  liveHistory(): StatusHistory;
}

/** The ranges' answers. */
export interface RangeReports {
  /** The range as `view` may see it; rejects when the store fails. */
  read(range: StatusRange, view: StatusView): Promise<StatusRangeData>;
}

/** A range without its live points (those are added at each read). */
type Cached = Omit<StatusRangeData, "history"> & { history: StatusHistory | null };

/** A point's rate: messages over the time it was sampled. */
function ratePer(messages: number, coveredMs: number): number {
  return coveredMs > 0 ? messages / (coveredMs / 1_000) : 0;
}

function historyOf(points: readonly HistoryBucket[], bucketMs: number): StatusHistory {
  const latencies = points.map((point) => deliveryPercentiles(point.deliveries));
  return {
    interval_ms: bucketMs,
    t: points.map((point) => point.t),
    connections: points.map((point) => point.connections),
    users_online: points.map((point) => point.users),
    messages_per_second: points.map((point) => ratePer(point.messages, point.covered_ms)),
    delivery_p50_ms: latencies.map((latency) => latency.p50),
    delivery_p99_ms: latencies.map((latency) => latency.p99),
  };
}

/** A row's numbers in one point: an isolate's or a room's stats. */
interface RowStats {
  label: string;
  connections: number;
  messages: number;
  deliveries: number[];
  errors: number;
}

/** Rows of the range by isolate or by room; `of` gives a point's stats by key. */
function drillRows(
  points: readonly HistoryBucket[],
  of: (point: HistoryBucket) => Map<string, RowStats>,
): DrilldownRow[] {
  const perPoint = points.map(of);
  const covered = points.reduce((total, point) => total + point.covered_ms, 0);
  const keys = new Set(perPoint.flatMap((stats) => [...stats.keys()]));
  return [...keys].map((key) => {
    const total = { label: key, connections: 0, messages: 0, errors: 0 };
    const deliveries = noDeliveries();
    for (const stat of perPoint.map((stats) => stats.get(key))) {
      if (!stat) continue;
      total.label = stat.label;
      total.connections = Math.max(total.connections, stat.connections);
      total.messages += stat.messages;
      total.errors += stat.errors;
      addCounts(deliveries, stat.deliveries);
    }
    return {
      key,
      label: total.label,
      connections: total.connections,
      messages_per_second: ratePer(total.messages, covered),
      delivery_p99_ms: deliveryPercentiles(deliveries).p99,
      errors: total.errors,
      series: perPoint.map((stats, index) => {
        const stat = stats.get(key);
        return stat ? ratePer(stat.messages, points[index].covered_ms) : null;
      }),
    };
  });
}

function drilldownOf(points: readonly HistoryBucket[], intervalMs: number): Drilldown {
  const instances = drillRows(
    points,
    (point) => new Map(point.instances.map((stats) => [stats.id, { ...stats, label: stats.host }])),
  );
  const rooms = drillRows(
    points,
    (point) =>
      new Map(point.top_rooms.map((stats) => [stats.room, { ...stats, label: stats.room }])),
  );
  return {
    t: points.map((point) => point.t),
    interval_ms: intervalMs,
    instances: instances
      .sort((a, b) => b.connections - a.connections || a.key.localeCompare(b.key))
      .slice(0, INSTANCES_KEPT),
    rooms: rooms
      .sort((a, b) => b.messages_per_second - a.messages_per_second || a.key.localeCompare(b.key))
      .slice(0, ROOMS_KEPT),
  };
}

/**
 * Creates the {@linkcode RangeReports}.
 *
 * @example
 * ```ts
 * const reports = createRangeReports({ store, clock, liveHistory: () => view.history() });
 * ```
 */
export function createRangeReports(options: RangeReportsOptions): RangeReports {
  const { store, clock, liveHistory } = options;
  const cache = new Map<string, { until: number; answer: Promise<Cached> }>();

  /** The stored buckets from `from` to now at the range's source resolution. */
  const storedBuckets = async (range: StatusRange, from: number, now: number, detail: boolean) => {
    const { source } = STATUS_RANGE_SPECS[range];
    // The live range's drill-down comes from the stored minutes of the same quarter hour.
    if (source !== "hour") return await store.read("minute", { from, to: now + 1, detail });
    const currentHour = bucketStart(now, HOUR_MS);
    const [hours, minutes] = await Promise.all([
      store.read("hour", { from, to: currentHour, detail }),
      store.read("minute", { from: currentHour, to: now + 1, detail }),
    ]);
    return minutes.length > 0 ? [...hours, mergeBuckets(currentHour, HOUR_MS, minutes)] : hours;
  };

  const uptime = async (now: number): Promise<UptimeDay[]> => {
    const today = bucketStart(now, DAY_MS);
    const first = today - (UPTIME_DAYS - 1) * DAY_MS;
    const stored = new Map((await store.days(first, today + DAY_MS)).map((day) => [day.day, day]));
    return Array.from({ length: UPTIME_DAYS }, (_, index) => {
      const day = first + index * DAY_MS;
      const minutes = day === today ? Math.floor((now - today) / MINUTE_MS) : DAY_MS / MINUTE_MS;
      const { ok = 0, degraded = 0, down = 0 } = stored.get(day) ?? {};
      return { day, ok, degraded, down, no_data: Math.max(0, minutes - ok - degraded - down) };
    });
  };

  const load = async (range: StatusRange, view: StatusView, now: number): Promise<Cached> => {
    const spec = STATUS_RANGE_SPECS[range];
    const points = Math.round(spec.spanMs / spec.bucketMs);
    // Exactly `points` buckets, the last one (still filling) holding now.
    const from = bucketStart(now, spec.bucketMs) - (points - 1) * spec.bucketMs;
    const admin = view === "admin";
    const [buckets, days, incidents] = await Promise.all([
      spec.source === "live" && !admin ? [] : storedBuckets(range, from, now, admin),
      uptime(now),
      store.incidents({ from: now - HISTORY_RETENTION.incidentsMs, limit: INCIDENTS_SHOWN }),
    ]);
    // The live range's drill-down is by stored minute; the live points come from memory.
    const pointMs = spec.source === "live" ? MINUTE_MS : spec.bucketMs;
    const regrouped = regroup(buckets, pointMs);
    return {
      range: { name: range, from, to: now, bucket_ms: spec.bucketMs },
      history: spec.source === "live" ? null : historyOf(regrouped, spec.bucketMs),
      uptime: days,
      incidents: incidents.map(({ last_minute: _, ...incident }) => incident),
      ...(admin ? { drilldown: drilldownOf(regrouped, pointMs) } : {}),
    };
  };

  return {
    async read(range, view) {
      const now = clock.now();
      const key = `${range}:${view}`;
      let entry = cache.get(key);
      if (!entry || entry.until <= now) {
        const answer = load(range, view, now);
        entry = { until: now + RANGE_CACHE_MS, answer };
        cache.set(key, entry);
        // A failed read is not kept: the next request tries again.
        answer.catch(() => cache.get(key)?.answer === answer && cache.delete(key));
      }
      const cached = await entry.answer;
      if (cached.history) return { ...cached, history: cached.history };
      const live = liveHistory();
      return {
        ...cached,
        range: { ...cached.range, to: now, bucket_ms: live.interval_ms },
        history: live,
      };
    },
  };
}

/**
 * The whole cluster as one isolate sees it: the latest snapshot of every
 * isolate that reported (itself included), each valid for its `ttl_ms` after
 * it arrived, measured on this isolate's clock so clock skew between
 * instances cannot keep a dead isolate alive. Expired isolates vanish from
 * rows and totals; one that expired without draining is remembered for a
 * while as missing, which makes the status degraded.
 *
 * An isolate the cluster says is gone (`forget`) stops counting at once.
 *
 * Written here, not taken from a library: metrics libraries (prom-client, the
 * OpenTelemetry SDK) aggregate one process's instruments, while this merges
 * whole snapshots that other isolates share through the cluster, with expiry by
 * the receiver's clock, which none of them does.
 *
 * @example
 * ```ts
 * const view = createClusterView({ clock });
 * view.receive(snapshotFromTheBus);
 * view.totals().connections; // summed over live isolates
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { StatusHistory } from "../../protocol/status.ts";
import { createHistoryRing } from "./history.ts";
import { type HistogramData, mergeHistograms, quantile } from "./histogram.ts";
import type { SeriesValue } from "./registry.ts";
import { IsolateSnapshot, seriesTotal } from "./snapshot.ts";
import { METRIC_NAMES } from "./switchboard_metrics.ts";

/** A live isolate's latest snapshot. */
export interface IsolateReport {
  snapshot: IsolateSnapshot;
  received_at: number;
  expires_at: number;
}

/** An isolate that stopped reporting without announcing a drain. */
export interface MissingIsolate {
  id: string;
  host: string;
  /** When its last snapshot arrived. */
  last_seen: number;
}

/** A room's rate summed over isolates. */
export interface RoomRate {
  room: string;
  messages_per_second: number;
}

/** An error with the isolate that recorded it. */
export interface ClusterError {
  ts: number;
  isolate: string;
  code: string;
  message: string;
}

/**
 * Live isolates added up. `users` and `rooms` are sums of per-isolate counts:
 * a user with tabs on two isolates counts twice. Snapshots stay small that way.
 */
export interface ClusterTotals {
  isolates: number;
  connections: number;
  users: number;
  rooms: number;
  messages_per_second: number;
  refusals_per_second: number;
  /** Counters since each live isolate started, summed. */
  counters: Record<string, SeriesValue>;
  /** Histograms since each live isolate started, merged. */
  histograms: Record<string, HistogramData>;
  /** Histograms of each isolate's last window, merged: recent latencies. */
  recent_histograms: Record<string, HistogramData>;
  busiest_rooms: RoomRate[];
  recent_errors: ClusterError[];
}

/** The cluster seen from one isolate. */
export interface ClusterView {
  /**
   * Takes an isolate's snapshot, replacing its previous one. Anything that is
   * not a valid snapshot, or older than the one held, is ignored: returns false.
   */
  receive(snapshot: unknown): boolean;
  /**
   * The cluster says `id` is gone (its heartbeat lapsed, or it said goodbye):
   * its snapshot stops counting now rather than when its `ttl_ms` runs out.
   */
  forget(id: string): void;
  /** Live isolates, by id. */
  isolates(): IsolateReport[];
  /** Isolates that expired without draining in the last `missingForMs`. */
  missing(): MissingIsolate[];
  totals(): ClusterTotals;
  /** Records the current totals as one history sample (once per publish interval). */
  sample(): void;
  history(): StatusHistory;
}

/** Options of {@linkcode createClusterView}. */
export interface ClusterViewOptions {
  clock: Clock;
  /** How often {@linkcode ClusterView.sample} is called. Default 5 s. */
  sampleIntervalMs?: number;
  /** How far back the history reaches. Default 15 minutes. */
  historySpanMs?: number;
  /** How long an isolate that vanished stays listed as missing. Default 5 minutes. */
  missingForMs?: number;
  /** How many busiest rooms and recent errors totals keep. Default 20 each. */
  listLimit?: number;
}

/** A snapshot's per-second rate of a counter over its last window. */
export function windowRate(snapshot: IsolateSnapshot, counter: string): number {
  const seconds = snapshot.window.duration_ms / 1000;
  return seconds > 0 ? seriesTotal(snapshot.window.counters[counter]) / seconds : 0;
}

function addSeries(total: SeriesValue | undefined, value: SeriesValue): SeriesValue {
  if (typeof value === "number") return (typeof total === "number" ? total : 0) + value;
  const sum: Record<string, number> = typeof total === "object" ? { ...total } : {};
  for (const [label, count] of Object.entries(value)) sum[label] = (sum[label] ?? 0) + count;
  return sum;
}

function mergeInto(target: Record<string, HistogramData>, source: Record<string, HistogramData>) {
  for (const [name, data] of Object.entries(source)) {
    target[name] = target[name] ? mergeHistograms(target[name], data) : data;
  }
}

/** Creates an empty {@linkcode ClusterView}. */
export function createClusterView(options: ClusterViewOptions): ClusterView {
  const { clock } = options;
  const missingForMs = options.missingForMs ?? 5 * 60_000;
  const listLimit = options.listLimit ?? 20;
  const reports = new Map<string, IsolateReport>();
  const missing = new Map<string, MissingIsolate & { expired_at: number }>();
  const history = createHistoryRing({
    intervalMs: options.sampleIntervalMs ?? 5_000,
    spanMs: options.historySpanMs,
  });

  const expire = (id: string, report: IsolateReport, now: number) => {
    reports.delete(id);
    // A draining isolate was meant to stop; only a silent disappearance is news.
    if (report.snapshot.state === "running") {
      const { host } = report.snapshot.isolate;
      missing.set(id, { id, host, last_seen: report.received_at, expired_at: now });
    }
  };

  const prune = () => {
    const now = clock.now();
    for (const [id, report] of reports) {
      if (report.expires_at <= now) expire(id, report, now);
    }
    for (const [id, gone] of missing) {
      if (now - gone.expired_at >= missingForMs) missing.delete(id);
    }
  };

  const live = (): IsolateReport[] => {
    prune();
    return [...reports.values()].sort((a, b) =>
      a.snapshot.isolate.id.localeCompare(b.snapshot.isolate.id)
    );
  };

  const totals = (): ClusterTotals => {
    const totals: ClusterTotals = {
      isolates: 0,
      connections: 0,
      users: 0,
      rooms: 0,
      messages_per_second: 0,
      refusals_per_second: 0,
      counters: {},
      histograms: {},
      recent_histograms: {},
      busiest_rooms: [],
      recent_errors: [],
    };
    const roomRates = new Map<string, number>();
    for (const { snapshot } of live()) {
      totals.isolates++;
      totals.connections += snapshot.connections;
      totals.users += snapshot.users;
      totals.rooms += snapshot.rooms;
      totals.messages_per_second += windowRate(snapshot, METRIC_NAMES.messagesCommitted);
      totals.refusals_per_second += windowRate(snapshot, METRIC_NAMES.handshakesRefused);
      for (const [name, value] of Object.entries(snapshot.metrics.counters)) {
        totals.counters[name] = addSeries(totals.counters[name], value);
      }
      mergeInto(totals.histograms, snapshot.metrics.histograms);
      mergeInto(totals.recent_histograms, snapshot.window.histograms);
      const seconds = snapshot.window.duration_ms / 1000;
      for (const { room, messages } of snapshot.busy_rooms) {
        if (seconds > 0 && messages > 0) {
          roomRates.set(room, (roomRates.get(room) ?? 0) + messages / seconds);
        }
      }
      for (const error of snapshot.recent_errors) {
        totals.recent_errors.push({ ...error, isolate: snapshot.isolate.id });
      }
    }
    totals.busiest_rooms = [...roomRates]
      .map(([room, messages_per_second]) => ({ room, messages_per_second }))
      .sort((a, b) => b.messages_per_second - a.messages_per_second || a.room.localeCompare(b.room))
      .slice(0, listLimit);
    totals.recent_errors = totals.recent_errors.sort((a, b) => b.ts - a.ts).slice(0, listLimit);
    return totals;
  };

  return {
    receive(value) {
      const parsed = IsolateSnapshot.safeParse(value);
      if (!parsed.success) return false;
      const snapshot = parsed.data;
      const id = snapshot.isolate.id;
      const held = reports.get(id);
      if (held && held.snapshot.taken_at > snapshot.taken_at) return false;
      const now = clock.now();
      reports.set(id, { snapshot, received_at: now, expires_at: now + snapshot.ttl_ms });
      missing.delete(id);
      return true;
    },
    forget(id) {
      const report = reports.get(id);
      if (report) expire(id, report, clock.now());
    },
    isolates: live,
    missing() {
      prune();
      return [...missing.values()].map(({ id, host, last_seen }) => ({ id, host, last_seen }));
    },
    totals,
    sample() {
      const current = totals();
      const delivery = current.recent_histograms[METRIC_NAMES.deliveryLatency];
      history.record({
        t: clock.now(),
        connections: current.connections,
        users_online: current.users,
        messages_per_second: current.messages_per_second,
        delivery_p50_ms: delivery ? quantile(delivery, 0.5) : null,
        delivery_p99_ms: delivery ? quantile(delivery, 0.99) : null,
      });
    },
    history: () => history.toJSON(),
  };
}

/**
 * One sample of the cluster for the history, taken at each snapshot tick
 * from the {@linkcode ClusterView}: the peaks (connections, users, rooms) as
 * the view totals them now, the health, and what happened in each isolate's
 * newest window (messages, delivery latencies, refusals, errors, rooms).
 *
 * An isolate's window is counted once: the sampler remembers the newest
 * snapshot it counted per isolate, so a snapshot still held at the next tick
 * adds nothing. (Two snapshots of one isolate arriving between two ticks
 * count only the newer one: the history's counts can fall short by that,
 * never count twice.)
 *
 * @example
 * ```ts
 * const sampler = createTickSampler({ intervalMs: 5_000 });
 * const { bucket, status, reasons } = sampler.take(view, clock.now());
 * ```
 */
import {
  assessHealth,
  type ClusterView,
  DEFAULT_HEALTH_THRESHOLDS,
  type HealthThresholds,
  METRIC_NAMES,
  seriesTotal,
} from "../metrics/mod.ts";
import {
  addCounts,
  emptyBucket,
  type HistoryBucket,
  type InstanceStats,
  type MinuteStatus,
  noDeliveries,
  type RoomStats,
  topInstances,
  topRooms,
} from "./bucket.ts";

/**
 * A sample: a bucket of the time it stands for, and the health at its tick.
 * The snapshots' windows end at the tick, so the bucket ends there too and
 * starts at the tick before (at most one interval back; the first sample of
 * an isolate stands for no time at all).
 */
export interface TickSample {
  bucket: HistoryBucket;
  status: MinuteStatus;
  reasons: string[];
}

/** Takes samples, counting each isolate's window once. */
export interface TickSampler {
  take(view: ClusterView, now: number): TickSample;
}

/** Options of {@linkcode createTickSampler}. */
export interface TickSamplerOptions {
  /** The snapshot interval: how much time each sample stands for. */
  intervalMs: number;
  thresholds?: HealthThresholds;
}

/**
 * Creates a {@linkcode TickSampler}.
 *
 * @example
 * ```ts
 * const sampler = createTickSampler({ intervalMs: 5_000 });
 * ```
 */
export function createTickSampler(options: TickSamplerOptions): TickSampler {
  const { intervalMs } = options;
  const thresholds = options.thresholds ?? DEFAULT_HEALTH_THRESHOLDS;
  /** The newest snapshot counted, per isolate. */
  const counted = new Map<string, number>();
  let lastTickAt: number | null = null;

  return {
    take(view, now) {
      const totals = view.totals();
      const health = assessHealth(view, thresholds, totals);
      // A clock set back (never by more than a tick, we hope) makes a sample of no time.
      const start = Math.min(now, Math.max(lastTickAt ?? now, now - intervalMs));
      lastTickAt = now;
      const bucket = emptyBucket(start, intervalMs);
      bucket.covered_ms = now - start;
      bucket.connections = totals.connections;
      bucket.users = totals.users;
      bucket.rooms = totals.rooms;
      const instances: InstanceStats[] = [];
      const rooms = new Map<string, RoomStats>();
      const live = new Set<string>();

      for (const { snapshot } of view.isolates()) {
        const { id, host } = snapshot.isolate;
        live.add(id);
        const instance: InstanceStats = {
          id,
          host,
          connections: snapshot.connections,
          messages: 0,
          deliveries: noDeliveries(),
          errors: 0,
        };
        instances.push(instance);
        if ((counted.get(id) ?? -Infinity) >= snapshot.taken_at) continue;
        counted.set(id, snapshot.taken_at);

        const { counters, histograms } = snapshot.window;
        instance.messages = seriesTotal(counters[METRIC_NAMES.messagesCommitted]);
        instance.errors = seriesTotal(counters[METRIC_NAMES.errorsSent]);
        const delivered = histograms[METRIC_NAMES.deliveryLatency];
        if (delivered) addCounts(instance.deliveries, delivered.counts);
        bucket.messages += instance.messages;
        bucket.errors += instance.errors;
        bucket.refusals += seriesTotal(counters[METRIC_NAMES.handshakesRefused]);
        addCounts(bucket.deliveries, instance.deliveries);

        for (const busy of snapshot.busy_rooms) {
          const room = rooms.get(busy.room) ??
            { room: busy.room, connections: 0, messages: 0, deliveries: noDeliveries(), errors: 0 };
          room.connections += busy.members ?? 0;
          room.messages += busy.messages;
          room.errors += busy.errors ?? 0;
          if (busy.deliveries) addCounts(room.deliveries, busy.deliveries);
          rooms.set(busy.room, room);
        }
      }
      for (const id of counted.keys()) if (!live.has(id)) counted.delete(id);

      bucket.instances = topInstances(instances);
      bucket.top_rooms = topRooms(rooms.values());
      return { bucket, status: health.status, reasons: health.reasons };
    },
  };
}

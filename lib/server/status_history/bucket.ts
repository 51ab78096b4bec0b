/**
 * A bucket of status history: what the cluster did during one stretch of
 * time (a minute, an hour, or a chart point of several), in a form that adds
 * up: peaks are maxima, counts are sums, latencies are histogram counts (so
 * the p99 of an hour is the p99 of its deliveries, not an average of p99s).
 * Minutes are merged into hours, and stored minutes or hours into chart
 * points, by {@linkcode mergeBuckets}.
 *
 * Each bucket keeps the {@linkcode INSTANCES_KEPT} isolates with the most
 * connections and the {@linkcode ROOMS_KEPT} rooms with the most messages; a
 * merge keeps the same numbers of the merged lists, so a room that was never
 * among a minute's ten busiest is not in its hour either.
 *
 * @example
 * ```ts
 * const hour = mergeBuckets(hourStart, HOUR_MS, minutesOfTheHour);
 * deliveryPercentiles(hour.deliveries); // { p50: 3.1, p99: 24 }
 * ```
 */
import type { LatencyPercentiles } from "../../protocol/status.ts";
import { LATENCY_BUCKETS_MS, quantile } from "../metrics/mod.ts";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The most isolates a bucket keeps. */
export const INSTANCES_KEPT = 16;
/** The most rooms a bucket keeps. */
export const ROOMS_KEPT = 10;

/** A minute's status, the worst seen in it. */
export type MinuteStatus = "ok" | "degraded" | "down";

/** Minutes by status. */
export interface StatusMinutes {
  ok: number;
  degraded: number;
  down: number;
}

/** One isolate within a bucket. */
export interface InstanceStats {
  id: string;
  host: string;
  /** Peak. */
  connections: number;
  messages: number;
  /** Delivery latency counts per {@linkcode LATENCY_BUCKETS_MS} bucket (and one above). */
  deliveries: number[];
  /** Error frames sent. */
  errors: number;
}

/** One room within a bucket. */
export interface RoomStats {
  room: string;
  /** Peak members, summed over isolates. */
  connections: number;
  messages: number;
  deliveries: number[];
  errors: number;
}

/** What the cluster did from `t` for `span_ms`. */
export interface HistoryBucket {
  /** Where it starts (a multiple of `span_ms`). */
  t: number;
  span_ms: number;
  /** How much of the span was sampled (a minute of a running server: 60 000). */
  covered_ms: number;
  minutes: StatusMinutes;
  /** Peaks. */
  connections: number;
  users: number;
  rooms: number;
  /** Messages committed. */
  messages: number;
  /** Delivery latency counts per {@linkcode LATENCY_BUCKETS_MS} bucket (and one above). */
  deliveries: number[];
  /** Handshakes refused. */
  refusals: number;
  /** Error frames sent. */
  errors: number;
  /** The isolates with the most connections, at most {@linkcode INSTANCES_KEPT}. */
  instances: InstanceStats[];
  /** The rooms with the most messages, at most {@linkcode ROOMS_KEPT}. */
  top_rooms: RoomStats[];
}

/** Latency counts with nothing in them. */
export function noDeliveries(): number[] {
  return new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
}

/** `into` plus `counts`, slot by slot; counts of another layout are left out. */
export function addCounts(into: number[], counts: readonly number[]): number[] {
  if (counts.length !== into.length) return into;
  for (let slot = 0; slot < into.length; slot++) into[slot] += counts[slot];
  return into;
}

function sum(counts: readonly number[]): number {
  let total = 0;
  for (const count of counts) total += count;
  return total;
}

/** How many deliveries the counts hold. */
export function deliveryCount(counts: readonly number[]): number {
  return sum(counts);
}

/**
 * p50 and p99 of latency counts; nulls when there were no deliveries.
 *
 * @example
 * ```ts
 * deliveryPercentiles(noDeliveries()); // { p50: null, p99: null }
 * ```
 */
export function deliveryPercentiles(counts: readonly number[]): LatencyPercentiles {
  const histogram = {
    buckets: [...LATENCY_BUCKETS_MS],
    counts: [...counts],
    sum: 0,
    count: sum(counts),
  };
  return { p50: quantile(histogram, 0.5), p99: quantile(histogram, 0.99) };
}

/** Where the bucket of `span` holding `t` starts. */
export function bucketStart(t: number, span: number): number {
  return Math.floor(t / span) * span;
}

/** An empty bucket. */
export function emptyBucket(t: number, span: number): HistoryBucket {
  return {
    t,
    span_ms: span,
    covered_ms: 0,
    minutes: { ok: 0, degraded: 0, down: 0 },
    connections: 0,
    users: 0,
    rooms: 0,
    messages: 0,
    deliveries: noDeliveries(),
    refusals: 0,
    errors: 0,
    instances: [],
    top_rooms: [],
  };
}

/** The isolates with the most connections (then messages) first, at most `limit`. */
export function topInstances(instances: Iterable<InstanceStats>, limit = INSTANCES_KEPT) {
  return [...instances]
    .sort((a, b) =>
      b.connections - a.connections || b.messages - a.messages || a.id.localeCompare(b.id)
    )
    .slice(0, limit);
}

/** The rooms with the most messages (then members) first, at most `limit`. */
export function topRooms(rooms: Iterable<RoomStats>, limit = ROOMS_KEPT): RoomStats[] {
  return [...rooms]
    .sort((a, b) =>
      b.messages - a.messages || b.connections - a.connections || a.room.localeCompare(b.room)
    )
    .slice(0, limit);
}

function mergeInstance(into: InstanceStats | undefined, from: InstanceStats): InstanceStats {
  if (!into) return { ...from, deliveries: [...from.deliveries] };
  into.host = from.host;
  into.connections = Math.max(into.connections, from.connections);
  into.messages += from.messages;
  addCounts(into.deliveries, from.deliveries);
  into.errors += from.errors;
  return into;
}

function mergeRoom(into: RoomStats | undefined, from: RoomStats): RoomStats {
  if (!into) return { ...from, deliveries: [...from.deliveries] };
  into.connections = Math.max(into.connections, from.connections);
  into.messages += from.messages;
  addCounts(into.deliveries, from.deliveries);
  into.errors += from.errors;
  return into;
}

/**
 * The buckets `parts` as one bucket from `t` for `span`: peaks are the
 * highest, counts add up, isolates and rooms merge by name and keep the top.
 *
 * @example
 * ```ts
 * mergeBuckets(0, HOUR_MS, [minute0, minute1]).messages; // minute0.messages + minute1.messages
 * ```
 */
export function mergeBuckets(
  t: number,
  span: number,
  parts: readonly HistoryBucket[],
): HistoryBucket {
  const merged = emptyBucket(t, span);
  const instances = new Map<string, InstanceStats>();
  const rooms = new Map<string, RoomStats>();
  for (const part of parts) {
    merged.covered_ms += part.covered_ms;
    merged.minutes.ok += part.minutes.ok;
    merged.minutes.degraded += part.minutes.degraded;
    merged.minutes.down += part.minutes.down;
    merged.connections = Math.max(merged.connections, part.connections);
    merged.users = Math.max(merged.users, part.users);
    merged.rooms = Math.max(merged.rooms, part.rooms);
    merged.messages += part.messages;
    addCounts(merged.deliveries, part.deliveries);
    merged.refusals += part.refusals;
    merged.errors += part.errors;
    for (const instance of part.instances) {
      instances.set(instance.id, mergeInstance(instances.get(instance.id), instance));
    }
    for (const room of part.top_rooms) {
      rooms.set(room.room, mergeRoom(rooms.get(room.room), room));
    }
  }
  merged.instances = topInstances(instances.values());
  merged.top_rooms = topRooms(rooms.values());
  return merged;
}

/**
 * Stored buckets regrouped into consecutive buckets of `span` (each stored
 * bucket lands in the one its `t` falls in), oldest first; spans nothing was
 * stored in are left out.
 *
 * @example
 * ```ts
 * regroup(minutesOfADay, 5 * MINUTE_MS).length; // ≤ 288
 * ```
 */
export function regroup(buckets: readonly HistoryBucket[], span: number): HistoryBucket[] {
  const groups = new Map<number, HistoryBucket[]>();
  for (const bucket of buckets) {
    const start = bucketStart(bucket.t, span);
    const group = groups.get(start);
    if (group) group.push(bucket);
    else groups.set(start, [bucket]);
  }
  return [...groups].sort(([a], [b]) => a - b).map(([start, parts]) =>
    mergeBuckets(start, span, parts)
  );
}

/**
 * The status history's records as every engine stores them: a bucket apart
 * from its detail (the isolates and rooms only admins' reads need), and the
 * last known message and delivery, moved on by each minute written.
 *
 * @example
 * ```ts
 * const { main, detail } = splitBucket(minute);
 * const known = withMinute(await store.lastKnown(), minute);
 * ```
 */
import {
  deliveryCount,
  deliveryPercentiles,
  type HistoryBucket,
  type InstanceStats,
  type RoomStats,
} from "./bucket.ts";
import type { LastKnown } from "./store.ts";

/** A bucket as stored under its main key: everything but the isolates and rooms. */
export type StoredBucket = Omit<HistoryBucket, "instances" | "top_rooms">;

/** A bucket's isolates and rooms, stored apart: only admins' reads need them. */
export interface StoredDetail {
  instances: InstanceStats[];
  top_rooms: RoomStats[];
}

/** The last known values before any minute was recorded. */
export const NO_LAST_KNOWN: LastKnown = { message_at: null, delivery: null };

/** A bucket's main part and its detail. */
export function splitBucket(bucket: HistoryBucket): { main: StoredBucket; detail: StoredDetail } {
  const { instances, top_rooms, ...main } = bucket;
  return { main, detail: { instances, top_rooms } };
}

/** The last known values once `minute` is counted. */
export function withMinute(known: LastKnown, minute: HistoryBucket): LastKnown {
  const end = minute.t + minute.span_ms;
  const next = { ...known };
  if (minute.messages > 0 && end > (known.message_at ?? -Infinity)) next.message_at = end;
  if (deliveryCount(minute.deliveries) > 0 && end > (known.delivery?.at ?? -Infinity)) {
    const { p50, p99 } = deliveryPercentiles(minute.deliveries);
    next.delivery = { at: end, p50: p50 ?? 0, p99: p99 ?? 0 };
  }
  return next;
}

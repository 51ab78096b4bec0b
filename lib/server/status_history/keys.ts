/**
 * The Deno KV keys of the status history (`kv_store.ts`). Everything lives
 * under the one prefix `["status_history"]`, so it never collides with the
 * room log or anything else sharing the database. Each value stays far below
 * Deno KV's 64 KiB: a bucket's detail holds at most 16 isolates and 10 rooms.
 *
 * | key | value | kept |
 * | --- | --- | --- |
 * | `["status_history", "minute", t]` | a minute's {@linkcode HistoryBucket} without its isolates and rooms | 48 h (`expireIn` 49 h, and pruned) |
 * | `["status_history", "minute_detail", t]` | `{ instances, top_rooms }` of that minute | as its minute |
 * | `["status_history", "hour", t]` | an hour's roll-up, without isolates and rooms | 90 days (`expireIn` 91 d, and pruned) |
 * | `["status_history", "hour_detail", t]` | `{ instances, top_rooms }` of that hour | as its hour |
 * | `["status_history", "day", dayStart]` | {@linkcode DayCounts}: minutes by status | 90 days (`expireIn` 91 d, and pruned) |
 * | `["status_history", "last_known"]` | {@linkcode LastKnown} | always (one entry) |
 * | `["status_history", "incident", start]` | {@linkcode StoredIncident} with its notes | 90 days after its end (`expireIn` reset at each write), at most 500 |
 *
 * Sizes: at most 2 880 minutes and 2 160 hours (with their details), 90
 * days and 500 incidents: about 25 MB at the most, most of it details.
 *
 * @example
 * ```ts
 * await kv.get(statusMinuteKey(1_800_000_000_000)); // that minute, if recorded
 * ```
 */
import type { Resolution } from "./store.ts";

/** The prefix of everything the status history stores. */
export const STATUS_HISTORY_PREFIX: Deno.KvKey = ["status_history"];

/** The key of a bucket (a minute or an hour) starting at `t`. */
export function statusBucketKey(resolution: Resolution, t: number): Deno.KvKey {
  return ["status_history", resolution, t];
}

/** The key of a bucket's isolates and rooms. */
export function statusDetailKey(resolution: Resolution, t: number): Deno.KvKey {
  return ["status_history", `${resolution}_detail`, t];
}

/** The key of the UTC day starting at `day`. */
export function statusDayKey(day: number): Deno.KvKey {
  return ["status_history", "day", day];
}

/** The key of the last known message and delivery. */
export const STATUS_LAST_KNOWN_KEY: Deno.KvKey = ["status_history", "last_known"];

/** The key of the incident that started at `start`. */
export function statusIncidentKey(start: number): Deno.KvKey {
  return ["status_history", "incident", start];
}

/** The prefix under which incidents live, oldest first. */
export const STATUS_INCIDENT_PREFIX: Deno.KvKey = ["status_history", "incident"];

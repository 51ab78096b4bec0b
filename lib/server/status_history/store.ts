/**
 * Where the status history is kept: a small interface, so that each engine
 * (Deno KV now, `kv_store.ts`; PostgreSQL later) implements the same few
 * operations and passes the same contract tests
 * (`tests/contracts/status_history_store.ts`).
 *
 * What is kept, and for how long ({@linkcode HISTORY_RETENTION}):
 *
 * - minutes (one {@linkcode HistoryBucket} each) for 48 hours;
 * - hours, rolled up from the minutes, for 90 days;
 * - per UTC day, the minutes by status, for the uptime bar (90 days);
 * - the newest message and delivery ever recorded ("last known");
 * - incidents, with the notes admins added, for 90 days after they end, at
 *   most {@linkcode HISTORY_RETENTION.incidents} of them.
 *
 * Everything that writes history is fenced by the writer's lease hold
 * (`../cluster/lease.ts`): a write from a holder that lost the lease answers
 * `"fenced"` and changes nothing. Admin notes are not fenced (any instance
 * takes them) and merge with the writer's updates without losing either.
 *
 * @example
 * ```ts
 * const store: StatusHistoryStore = createKvStatusHistoryStore({ kv });
 * await store.appendMinute(minute, hold); // "written"
 * await store.read("minute", { from: now - HOUR_MS, to: now }); // oldest first
 * ```
 */
import type { Incident, LastDelivery } from "../../protocol/status.ts";
import type { LeaseHold } from "../cluster/mod.ts";
import { DAY_MS, type HistoryBucket, HOUR_MS } from "./bucket.ts";

/** How long each kind of record is kept. */
export const HISTORY_RETENTION = {
  minutesMs: 48 * HOUR_MS,
  hoursMs: 90 * DAY_MS,
  /** Days of the uptime bar, today included. */
  days: 90,
  /** After an incident ended. */
  incidentsMs: 90 * DAY_MS,
  /** The most incidents kept; the oldest go first. */
  incidents: 500,
} as const;

/** A write under the lease. */
export type WriteResult = "written" | "fenced";

/** A minute's write: `exists` when that minute was written before (it is not written twice). */
export type AppendResult = WriteResult | "exists";

/** Adding a note: `full` when the incident has its most notes already. */
export type NoteResult = "added" | "not_found" | "full";

/** Which kind of bucket. */
export type Resolution = "minute" | "hour";

/** What to read: buckets starting in `[from, to)`. */
export interface BucketQuery {
  from: number;
  to: number;
  /** Also the isolates and rooms of each bucket; without it they are empty. */
  detail?: boolean;
}

/** A UTC day's minutes by status. */
export interface DayCounts {
  /** The day's start. */
  day: number;
  ok: number;
  degraded: number;
  down: number;
}

/** The newest message and delivery ever recorded. */
export interface LastKnown {
  /** The end of the newest minute with a message. */
  message_at: number | null;
  /** The newest minute with deliveries: its latencies, and its end. */
  delivery: LastDelivery | null;
}

/** An incident as stored: with the newest minute it covers, to continue or close it. */
export interface StoredIncident extends Incident {
  last_minute: number;
}

/** How many records one {@linkcode StatusHistoryStore.prune} removed. */
export interface PruneCounts {
  minutes: number;
  hours: number;
  days: number;
  incidents: number;
}

/** The status history's storage. */
export interface StatusHistoryStore {
  /**
   * Stores a minute (its `minutes` has one status at 1) and counts it in its
   * day, and in the last known message and delivery. A minute is written
   * once: a second write of the same `t` answers `exists` and changes nothing.
   */
  appendMinute(minute: HistoryBucket, fence: LeaseHold): Promise<AppendResult>;
  /** Stores an hour's roll-up, replacing an earlier one of the same `t`. */
  putHour(hour: HistoryBucket, fence: LeaseHold): Promise<WriteResult>;
  /** Buckets starting in `[from, to)`, oldest first. */
  read(resolution: Resolution, query: BucketQuery): Promise<HistoryBucket[]>;
  /** The days starting in `[from, to)` that have minutes, oldest first. */
  days(from: number, to: number): Promise<DayCounts[]>;
  lastKnown(): Promise<LastKnown>;
  /** The incident that started last, open or not; null when there is none. */
  latestIncident(): Promise<StoredIncident | null>;
  /**
   * Creates or updates an incident (by `id`). Its notes are the store's: the
   * `notes` passed are ignored, so a note added meanwhile is kept.
   */
  saveIncident(incident: StoredIncident, fence: LeaseHold): Promise<WriteResult>;
  /** Incidents open, or ended at or after `from`, newest first, at most `limit`. */
  incidents(query: { from: number; limit: number }): Promise<StoredIncident[]>;
  /** Appends a note to the incident `id`. */
  addIncidentNote(id: number, note: Incident["notes"][number]): Promise<NoteResult>;
  /** Removes what is older than {@linkcode HISTORY_RETENTION} allows, as of `now`. */
  prune(now: number): Promise<PruneCounts>;
}

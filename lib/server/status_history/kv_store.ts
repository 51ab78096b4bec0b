/**
 * The {@linkcode StatusHistoryStore} in Deno KV (keys in `keys.ts`). Each
 * fenced write is one atomic operation that also checks the writer's lease
 * entry ({@linkcode leaseCheck}), so a writer that lost the lease cannot
 * write. A minute's write carries its day's counts and the last known values
 * in the same operation, so they never disagree with the minutes.
 *
 * Every entry is written with an `expireIn` a little past its retention, so
 * a database nobody prunes any more still empties itself; `prune` removes
 * the same records on the app's clock (which tests move in virtual time) and
 * caps the number of incidents.
 *
 * @example
 * ```ts
 * const store = createKvStatusHistoryStore({ kv: await Deno.openKv(":memory:") });
 * ```
 */
import type { Incident } from "../../protocol/status.ts";
import { INCIDENT_NOTES_MAX } from "../../protocol/status_range.ts";
import { retryWhenLocked } from "../store/mod.ts";
import { leaseCheck, type LeaseHold, leaseKey } from "../cluster/mod.ts";
import { bucketStart, DAY_MS, HOUR_MS } from "./bucket.ts";
import {
  NO_LAST_KNOWN,
  splitBucket,
  type StoredBucket,
  type StoredDetail,
  withMinute,
} from "./stored_records.ts";
import {
  STATUS_INCIDENT_PREFIX,
  STATUS_LAST_KNOWN_KEY,
  statusBucketKey,
  statusDayKey,
  statusDetailKey,
  statusIncidentKey,
} from "./keys.ts";
import {
  type AppendResult,
  type DayCounts,
  HISTORY_RETENTION,
  type LastKnown,
  type NoteResult,
  type PruneCounts,
  type Resolution,
  type StatusHistoryStore,
  type StoredIncident,
  type WriteResult,
} from "./store.ts";

/** Deno KV takes at most 1000 mutations per atomic operation; stay well below. */
const DELETE_BATCH = 100;
/** Tries of a read-modify-write that lost a race (a note added meanwhile). */
const RACE_TRIES = 5;

const EXPIRY_MS: Record<Resolution, number> = {
  minute: HISTORY_RETENTION.minutesMs + HOUR_MS,
  hour: HISTORY_RETENTION.hoursMs + DAY_MS,
};
const DAY_EXPIRY_MS = HISTORY_RETENTION.days * DAY_MS + DAY_MS;
const INCIDENT_EXPIRY_MS = HISTORY_RETENTION.incidentsMs + DAY_MS;

/** Options of {@linkcode createKvStatusHistoryStore}. */
export interface KvStatusHistoryStoreOptions {
  kv: Deno.Kv;
}

/**
 * Creates a {@linkcode StatusHistoryStore} in `kv`.
 *
 * @example
 * ```ts
 * const store = createKvStatusHistoryStore({ kv });
 * await store.days(dayStart - 89 * DAY_MS, dayStart + DAY_MS);
 * ```
 */
export function createKvStatusHistoryStore(
  options: KvStatusHistoryStoreOptions,
): StatusHistoryStore {
  const { kv } = options;

  /** Why a fenced write did not commit: the lease moved on, or (for a minute) it exists. */
  const holdIsCurrent = async (fence: LeaseHold) =>
    (await kv.get(leaseKey(fence.name))).versionstamp === fence.token;

  const deleteKeys = async (keys: Deno.KvKey[]) => {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      await retryWhenLocked(() => {
        const operation = kv.atomic();
        for (const key of batch) operation.delete(key);
        return operation.commit();
      });
    }
  };

  /** Keys of a `kind` whose last part is below `before`. */
  const keysBefore = async (kind: string, before: number): Promise<Deno.KvKey[]> => {
    const keys: Deno.KvKey[] = [];
    const selector = { start: ["status_history", kind], end: ["status_history", kind, before] };
    for await (const entry of kv.list(selector)) keys.push(entry.key);
    return keys;
  };

  const readRange = async <T>(kind: string, from: number, to: number) => {
    const values = new Map<number, T>();
    const selector = { start: ["status_history", kind, from], end: ["status_history", kind, to] };
    for await (const entry of kv.list<T>(selector, { batchSize: 500 })) {
      values.set(entry.key[2] as number, entry.value);
    }
    return values;
  };

  return {
    async appendMinute(minute, fence): Promise<AppendResult> {
      const { main, detail } = splitBucket(minute);
      const minuteKey = statusBucketKey("minute", minute.t);
      const dayKey = statusDayKey(bucketStart(minute.t, DAY_MS));
      for (let attempt = 0; attempt < RACE_TRIES; attempt++) {
        const [existing, day, known] = await kv.getMany<[unknown, DayCounts, LastKnown]>([
          minuteKey,
          dayKey,
          STATUS_LAST_KNOWN_KEY,
        ]);
        if (existing.versionstamp !== null) return "exists";
        const counts = day.value ??
          { day: bucketStart(minute.t, DAY_MS), ok: 0, degraded: 0, down: 0 };
        const nextDay: DayCounts = {
          ...counts,
          ok: counts.ok + minute.minutes.ok,
          degraded: counts.degraded + minute.minutes.degraded,
          down: counts.down + minute.minutes.down,
        };
        const result = await retryWhenLocked(() =>
          kv.atomic()
            .check(leaseCheck(fence), existing, day, known)
            .set(minuteKey, main, { expireIn: EXPIRY_MS.minute })
            .set(statusDetailKey("minute", minute.t), detail, { expireIn: EXPIRY_MS.minute })
            .set(dayKey, nextDay, { expireIn: DAY_EXPIRY_MS })
            .set(STATUS_LAST_KNOWN_KEY, withMinute(known.value ?? NO_LAST_KNOWN, minute))
            .commit()
        );
        if (result.ok) return "written";
        if (!await holdIsCurrent(fence)) return "fenced";
      }
      throw new Error(`minute ${minute.t} lost ${RACE_TRIES} races in a row`);
    },

    async putHour(hour, fence): Promise<WriteResult> {
      const { main, detail } = splitBucket(hour);
      const result = await retryWhenLocked(() =>
        kv.atomic()
          .check(leaseCheck(fence))
          .set(statusBucketKey("hour", hour.t), main, { expireIn: EXPIRY_MS.hour })
          .set(statusDetailKey("hour", hour.t), detail, { expireIn: EXPIRY_MS.hour })
          .commit()
      );
      return result.ok ? "written" : "fenced";
    },

    async read(resolution, { from, to, detail = false }) {
      const [mains, details] = await Promise.all([
        readRange<StoredBucket>(resolution, from, to),
        detail ? readRange<StoredDetail>(`${resolution}_detail`, from, to) : null,
      ]);
      return [...mains].sort(([a], [b]) => a - b).map(([t, main]) => ({
        ...main,
        instances: details?.get(t)?.instances ?? [],
        top_rooms: details?.get(t)?.top_rooms ?? [],
      }));
    },

    async days(from, to) {
      const days = await readRange<DayCounts>("day", from, to);
      return [...days.values()].sort((a, b) => a.day - b.day);
    },

    async lastKnown() {
      return (await kv.get<LastKnown>(STATUS_LAST_KNOWN_KEY)).value ?? NO_LAST_KNOWN;
    },

    async latestIncident() {
      const list = kv.list<StoredIncident>({ prefix: STATUS_INCIDENT_PREFIX }, {
        reverse: true,
        limit: 1,
      });
      for await (const entry of list) return entry.value;
      return null;
    },

    async saveIncident(incident, fence): Promise<WriteResult> {
      const key = statusIncidentKey(incident.id);
      for (let attempt = 0; attempt < RACE_TRIES; attempt++) {
        const held = await kv.get<StoredIncident>(key);
        const value: StoredIncident = { ...incident, notes: held.value?.notes ?? [] };
        const result = await retryWhenLocked(() =>
          kv.atomic()
            .check(leaseCheck(fence), held)
            .set(key, value, { expireIn: INCIDENT_EXPIRY_MS })
            .commit()
        );
        if (result.ok) return "written";
        if (!await holdIsCurrent(fence)) return "fenced";
      }
      throw new Error(`incident ${incident.id} lost ${RACE_TRIES} races in a row`);
    },

    async incidents({ from, limit }) {
      const found: StoredIncident[] = [];
      if (limit <= 0) return found;
      // Newest start first; incidents do not overlap, so once one ended before
      // `from`, every older one did too.
      const list = kv.list<StoredIncident>({ prefix: STATUS_INCIDENT_PREFIX }, { reverse: true });
      for await (const { value } of list) {
        if (value.end !== null && value.end < from) break;
        found.push(value);
        if (found.length >= limit) break;
      }
      return found;
    },

    async addIncidentNote(id, note: Incident["notes"][number]): Promise<NoteResult> {
      const key = statusIncidentKey(id);
      for (let attempt = 0; attempt < RACE_TRIES; attempt++) {
        const held = await kv.get<StoredIncident>(key);
        if (!held.value) return "not_found";
        if (held.value.notes.length >= INCIDENT_NOTES_MAX) return "full";
        const value = { ...held.value, notes: [...held.value.notes, note] };
        const result = await retryWhenLocked(() =>
          kv.atomic().check(held).set(key, value, { expireIn: INCIDENT_EXPIRY_MS }).commit()
        );
        if (result.ok) return "added";
      }
      throw new Error(`a note to incident ${id} lost ${RACE_TRIES} races in a row`);
    },

    async prune(now): Promise<PruneCounts> {
      const minuteKeys = await keysBefore("minute", now - HISTORY_RETENTION.minutesMs);
      const hourKeys = await keysBefore("hour", now - HISTORY_RETENTION.hoursMs);
      const detailKeys = [
        ...await keysBefore("minute_detail", now - HISTORY_RETENTION.minutesMs),
        ...await keysBefore("hour_detail", now - HISTORY_RETENTION.hoursMs),
      ];
      const firstDay = bucketStart(now, DAY_MS) - (HISTORY_RETENTION.days - 1) * DAY_MS;
      const dayKeys = await keysBefore("day", firstDay);
      const incidentKeys: Deno.KvKey[] = [];
      let kept = 0;
      const list = kv.list<StoredIncident>({ prefix: STATUS_INCIDENT_PREFIX }, { reverse: true });
      for await (const { key, value } of list) {
        const expired = value.end !== null && value.end < now - HISTORY_RETENTION.incidentsMs;
        if (expired || kept >= HISTORY_RETENTION.incidents) incidentKeys.push(key);
        else kept++;
      }
      await deleteKeys([...minuteKeys, ...hourKeys, ...detailKeys, ...dayKeys, ...incidentKeys]);
      return {
        minutes: minuteKeys.length,
        hours: hourKeys.length,
        days: dayKeys.length,
        incidents: incidentKeys.length,
      };
    },
  };
}

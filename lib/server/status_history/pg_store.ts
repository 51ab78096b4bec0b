/**
 * The {@linkcode StatusHistoryStore} in PostgreSQL (tables `status_buckets`,
 * `status_days`, `status_last_known` and `status_incidents`; see
 * `../postgres/migrations.ts`). Each fenced write is one transaction that
 * first locks the writer's lease row and checks its token
 * ({@linkcode pgLeaseHeld}), so a writer that lost the lease writes nothing
 * and the lease cannot change hands mid-write. A minute's write moves its
 * day's counts and the last known values in the same transaction. Admin
 * notes are appended in the database (`jsonb` concatenation), and an
 * incident saved by the writer keeps the notes stored, so neither loses the
 * other's change.
 *
 * Nothing expires by itself here: `prune`, which the recorder runs, removes
 * what is past {@linkcode HISTORY_RETENTION}.
 *
 * @example
 * ```ts
 * const store = createPgStatusHistoryStore({ sql: pg.sql });
 * await store.appendMinute(minute, hold); // "written", "exists" or "fenced"
 * ```
 */
import { INCIDENT_NOTES_MAX } from "../../protocol/status_range.ts";
import { pgLeaseHeld } from "../cluster/mod.ts";
import type { Sql } from "../postgres/mod.ts";
import { bucketStart, DAY_MS, type HistoryBucket } from "./bucket.ts";
import {
  type AppendResult,
  type DayCounts,
  HISTORY_RETENTION,
  type LastKnown,
  type NoteResult,
  type PruneCounts,
  type StatusHistoryStore,
  type StoredIncident,
  type WriteResult,
} from "./store.ts";
import {
  NO_LAST_KNOWN,
  splitBucket,
  type StoredBucket,
  type StoredDetail,
  withMinute,
} from "./stored_records.ts";

/** Options of {@linkcode createPgStatusHistoryStore}. */
export interface PgStatusHistoryStoreOptions {
  /** The pool on a migrated database, where the writer's lease lives too. */
  sql: Sql;
}

/** A time as a `bigint` can hold it: reads may ask from -∞ or to +∞. */
function bound(ms: number): number {
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, ms));
}

/**
 * Creates a {@linkcode StatusHistoryStore} in PostgreSQL.
 *
 * @example
 * ```ts
 * const store = createPgStatusHistoryStore({ sql });
 * await store.days(dayStart - 89 * DAY_MS, dayStart + DAY_MS);
 * ```
 */
export function createPgStatusHistoryStore(
  { sql }: PgStatusHistoryStoreOptions,
): StatusHistoryStore {
  return {
    appendMinute(minute, fence) {
      const { main, detail } = splitBucket(minute);
      const day = bucketStart(minute.t, DAY_MS);
      return sql.begin(async (tx): Promise<AppendResult> => {
        if (!await pgLeaseHeld(tx, fence)) {
          const [existing] = await tx`
            select 1 from status_buckets where resolution = 'minute' and t = ${minute.t}`;
          return existing ? "exists" : "fenced";
        }
        const inserted = await tx`
          insert into status_buckets (resolution, t, bucket, detail)
          values ('minute', ${minute.t}, ${tx.json(main)}, ${tx.json(detail)})
          on conflict (resolution, t) do nothing
          returning 1`;
        if (inserted.length === 0) return "exists";
        const { ok, degraded, down } = minute.minutes;
        await tx`
          insert into status_days (day, ok, degraded, down)
          values (${day}, ${ok}, ${degraded}, ${down})
          on conflict (day) do update set
            ok = status_days.ok + excluded.ok,
            degraded = status_days.degraded + excluded.degraded,
            down = status_days.down + excluded.down`;
        const [held] = await tx<{ value: LastKnown }[]>`
          select value from status_last_known where id = 1 for update`;
        const known = withMinute(held?.value ?? NO_LAST_KNOWN, minute);
        await tx`
          insert into status_last_known (id, value) values (1, ${tx.json(known)})
          on conflict (id) do update set value = excluded.value`;
        return "written";
      });
    },

    putHour(hour, fence) {
      const { main, detail } = splitBucket(hour);
      return sql.begin(async (tx): Promise<WriteResult> => {
        if (!await pgLeaseHeld(tx, fence)) return "fenced";
        await tx`
          insert into status_buckets (resolution, t, bucket, detail)
          values ('hour', ${hour.t}, ${tx.json(main)}, ${tx.json(detail)})
          on conflict (resolution, t) do update
            set bucket = excluded.bucket, detail = excluded.detail`;
        return "written";
      });
    },

    async read(resolution, { from, to, detail = false }) {
      const rows = await sql<{ bucket: StoredBucket; detail: StoredDetail | null }[]>`
        select bucket, ${detail ? sql`detail` : sql`null`} as detail from status_buckets
        where resolution = ${resolution} and t >= ${bound(from)} and t < ${bound(to)}
        order by t`;
      return rows.map((row): HistoryBucket => ({
        ...row.bucket,
        instances: row.detail?.instances ?? [],
        top_rooms: row.detail?.top_rooms ?? [],
      }));
    },

    async days(from, to) {
      return await sql<DayCounts[]>`
        select day, ok, degraded, down from status_days
        where day >= ${bound(from)} and day < ${bound(to)}
        order by day`;
    },

    async lastKnown() {
      const [row] = await sql<{ value: LastKnown }[]>`
        select value from status_last_known where id = 1`;
      return row?.value ?? NO_LAST_KNOWN;
    },

    async latestIncident() {
      const [row] = await sql<{ incident: StoredIncident }[]>`
        select incident from status_incidents order by id desc limit 1`;
      return row?.incident ?? null;
    },

    saveIncident(incident, fence) {
      // The notes are the store's: a new incident starts without any, a saved one keeps its own.
      const value = { ...incident, notes: [] };
      return sql.begin(async (tx): Promise<WriteResult> => {
        if (!await pgLeaseHeld(tx, fence)) return "fenced";
        await tx`
          insert into status_incidents (id, end_at, incident)
          values (${incident.id}, ${incident.end}, ${tx.json(value)})
          on conflict (id) do update set
            end_at = excluded.end_at,
            incident = excluded.incident
              || jsonb_build_object('notes', status_incidents.incident -> 'notes')`;
        return "written";
      });
    },

    async incidents({ from, limit }) {
      if (limit <= 0) return [];
      // Incidents do not overlap: those still open or ended at `from` or later are the newest.
      const rows = await sql<{ incident: StoredIncident }[]>`
        select incident from status_incidents
        where end_at is null or end_at >= ${bound(from)}
        order by id desc limit ${limit}`;
      return rows.map((row) => row.incident);
    },

    async addIncidentNote(id, note): Promise<NoteResult> {
      const added = await sql`
        update status_incidents
        set incident = jsonb_set(incident, '{notes}', (incident -> 'notes') || ${sql.json([note])})
        where id = ${id} and jsonb_array_length(incident -> 'notes') < ${INCIDENT_NOTES_MAX}
        returning 1`;
      if (added.length === 1) return "added";
      const [exists] = await sql`select 1 from status_incidents where id = ${id}`;
      return exists ? "full" : "not_found";
    },

    prune(now) {
      return sql.begin(async (tx): Promise<PruneCounts> => {
        const minutes = await tx`
          delete from status_buckets
          where resolution = 'minute' and t < ${now - HISTORY_RETENTION.minutesMs}`;
        const hours = await tx`
          delete from status_buckets
          where resolution = 'hour' and t < ${now - HISTORY_RETENTION.hoursMs}`;
        const firstDay = bucketStart(now, DAY_MS) - (HISTORY_RETENTION.days - 1) * DAY_MS;
        const days = await tx`delete from status_days where day < ${firstDay}`;
        const expiredBefore = now - HISTORY_RETENTION.incidentsMs;
        // The newest incidents not yet expired are kept, at most HISTORY_RETENTION.incidents.
        const incidents = await tx`
          delete from status_incidents
          where (end_at is not null and end_at < ${expiredBefore})
            or id not in (
              select id from status_incidents
              where end_at is null or end_at >= ${expiredBefore}
              order by id desc limit ${HISTORY_RETENTION.incidents})`;
        return {
          minutes: minutes.count,
          hours: hours.count,
          days: days.count,
          incidents: incidents.count,
        };
      });
    },
  };
}

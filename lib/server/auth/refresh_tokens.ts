/**
 * Refresh tokens: opaque random ids kept in the database, so logging out
 * revokes them. The database holds only the SHA-256 of each id (its
 * "handle"): reading it does not yield a usable token, and the handle alone
 * can revoke but not mint. The records sit in a {@linkcode RefreshRecordStore}:
 * Deno KV or PostgreSQL (both here).
 *
 * An account's token lives `ttlS` (`REFRESH_TOKEN_TTL_S`). A guest's lives
 * only as long as it is used: `guestIdleTtlS` (`GUEST_IDLE_TTL_S`) after its
 * last use, and never beyond `ttlS` after it was made, so the guests nobody
 * uses any more leave nothing behind. In KV every record carries `expireIn`,
 * so KV deletes it even if it is never read again; PostgreSQL deletes
 * expired rows as new ones are written.
 *
 * @example
 * ```ts
 * const records = createKvRefreshRecords(kv);
 * const refresh = createRefreshTokens({ records, clock, ttlS: 86_400, guestIdleTtlS: 3_600 });
 * const { id, handle, loginId } = await refresh.create({ userId: "user:1", name: "ada", guest: false });
 * await refresh.use(id); // the record (a guest's now lives another hour)
 * await refresh.revoke(handle);
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import { sha256Hex } from "./sha256.ts";
import { retryWhenLocked } from "../store/mod.ts";
import type { Sql } from "../postgres/mod.ts";

/** Who a refresh token belongs to. */
export interface RefreshIdentity {
  userId: string;
  name: string;
  guest: boolean;
}

/** A stored refresh token. */
export interface RefreshRecord extends RefreshIdentity {
  /**
   * The sign-in this token keeps alive: its access tokens carry it as `sid`,
   * and signing out closes their sockets. Absent on records made before.
   */
  loginId?: string;
  expiresAt: number;
  /** When it was made; absent on records made before guests expired when idle. */
  createdAt?: number;
}

/** The refresh token store. */
export interface RefreshTokens {
  /**
   * Creates a token for a new sign-in: `id` goes in the refresh cookie,
   * `handle` in the logout cookie, `loginId` in its access tokens.
   */
  create(
    identity: RefreshIdentity,
  ): Promise<{ id: string; handle: string; loginId: string; expiresAt: number }>;
  /** The live record of a token id, or null; a guest's lives `guestIdleTtlS` from now on. */
  use(id: string): Promise<RefreshRecord | null>;
  /** Deletes the token whose handle this is; resolves with what it was, if it was live. */
  revoke(handle: string): Promise<RefreshRecord | null>;
}

/** Where refresh token records are kept, by handle. */
export interface RefreshRecordStore {
  /** The record under `handle`, or null (an expired one may still be returned). */
  get(handle: string): Promise<RefreshRecord | null>;
  /** Stores `record` under `handle`; it may be dropped once `record.expiresAt` is past `now`. */
  put(handle: string, record: RefreshRecord, now: number): Promise<void>;
  /** Deletes the record under `handle`; resolves with what it was. */
  take(handle: string): Promise<RefreshRecord | null>;
}

const recordKey = (handle: string): Deno.KvKey => ["auth", "refresh", handle];

/** Creates the {@linkcode RefreshRecordStore} on `kv`, under `["auth", "refresh", handle]`. */
export function createKvRefreshRecords(kv: Deno.Kv): RefreshRecordStore {
  return {
    async get(handle) {
      return (await kv.get<RefreshRecord>(recordKey(handle))).value;
    },
    async put(handle, record, now) {
      await retryWhenLocked(() =>
        kv.set(recordKey(handle), record, { expireIn: Math.max(1, record.expiresAt - now) })
      );
    },
    async take(handle) {
      const record = (await kv.get<RefreshRecord>(recordKey(handle))).value;
      await retryWhenLocked(() => kv.delete(recordKey(handle)));
      return record;
    },
  };
}

/** Expired rows are deleted at most this often, by the write that finds the time has come. */
const PG_PRUNE_EVERY_MS = 60_000;
/** Most expired rows one prune deletes, so that it never holds a write up for long. */
const PG_PRUNE_BATCH = 500;

/** Creates the {@linkcode RefreshRecordStore} in PostgreSQL (table `refresh_tokens`). */
export function createPgRefreshRecords(sql: Sql): RefreshRecordStore {
  let prunedAt = -Infinity;
  return {
    async get(handle) {
      const [row] = await sql<{ record: RefreshRecord }[]>`
        select record from refresh_tokens where handle = ${handle}`;
      return row?.record ?? null;
    },
    async put(handle, record, now) {
      await sql`
        insert into refresh_tokens (handle, record, expires_at)
        values (${handle}, ${sql.json(record)}, ${record.expiresAt})
        on conflict (handle) do update
          set record = excluded.record, expires_at = excluded.expires_at`;
      if (now - prunedAt < PG_PRUNE_EVERY_MS) return;
      prunedAt = now;
      await sql`
        delete from refresh_tokens where handle in (
          select handle from refresh_tokens where expires_at <= ${now} limit ${PG_PRUNE_BATCH})`;
    },
    async take(handle) {
      const [row] = await sql<{ record: RefreshRecord }[]>`
        delete from refresh_tokens where handle = ${handle} returning record`;
      return row?.record ?? null;
    },
  };
}

/** Options of {@linkcode createRefreshTokens}. */
export interface RefreshTokensOptions {
  records: RefreshRecordStore;
  clock: Clock;
  /** Longest life of any token. */
  ttlS: number;
  /** How long a guest's token lives unused. */
  guestIdleTtlS: number;
}

/** Creates the {@linkcode RefreshTokens} store. */
export function createRefreshTokens(
  { records, clock, ttlS, guestIdleTtlS }: RefreshTokensOptions,
): RefreshTokens {
  /** When a token used now expires: `ttlS` after it was made, or sooner for an idle guest. */
  const expiryOf = (identity: RefreshIdentity, createdAt: number, now: number) => {
    const end = createdAt + ttlS * 1000;
    return identity.guest ? Math.min(end, now + guestIdleTtlS * 1000) : end;
  };

  return {
    async create(identity) {
      const id = crypto.getRandomValues(new Uint8Array(32))
        .toBase64({ alphabet: "base64url", omitPadding: true });
      const handle = await sha256Hex(id);
      const now = clock.now();
      const loginId = crypto.randomUUID();
      const record: RefreshRecord = {
        ...identity,
        loginId,
        createdAt: now,
        expiresAt: expiryOf(identity, now, now),
      };
      await records.put(handle, record, now);
      return { id, handle, loginId, expiresAt: record.expiresAt };
    },
    async use(id) {
      if (!/^[\w-]{20,100}$/.test(id)) return null;
      const handle = await sha256Hex(id);
      const record = await records.get(handle);
      const now = clock.now();
      // KV expiry is lazy, and tests run on a virtual clock: check the time ourselves.
      if (!record || record.expiresAt <= now) return null;
      if (!record.guest) return record;
      const used = { ...record, expiresAt: expiryOf(record, record.createdAt ?? now, now) };
      await records.put(handle, used, now);
      return used;
    },
    async revoke(handle) {
      if (!/^[0-9a-f]{64}$/.test(handle)) return null;
      const record = await records.take(handle);
      return record && record.expiresAt > clock.now() ? record : null;
    },
  };
}

/**
 * Where the server keeps what it stores, from one engine chosen at start:
 * Deno KV (the default: a local file, or Deno Deploy's database) or
 * PostgreSQL (`DATABASE_URL`). Each part is a store interface of its
 * subsystem with an implementation per engine, and each passes the same
 * contract tests on both (`tests/contracts/`):
 *
 * | part | interface | KV | PostgreSQL |
 * | --- | --- | --- | --- |
 * | the room log | `MessageStore` (store) | `createMessageStore` | `createPgMessageStore` |
 * | closed rooms | `ClosedRoomFlags` (rooms) | `createKvClosedRoomFlags` | `createPgClosedRoomFlags` |
 * | leases | `Lease` (cluster) | `createKvLease` | `createPgLease` |
 * | the login and guest buckets | `RateLimits` (cluster) | `createKvRateLimits` | `createPgRateLimits` |
 * | the status history | `StatusHistoryStore` (status_history) | `createKvStatusHistoryStore` | `createPgStatusHistoryStore` |
 * | accounts | `AccountStore` (accounts) | `createKvAccountStore` | `createPgAccountStore` |
 * | sign-in addresses | `KnownAddresses` (accounts) | `createKnownAddresses` | `createPgKnownAddresses` |
 * | `ADMIN_USERS` names seen without an account | `MissingAdminNames` (accounts) | `createKvMissingAdminNames` | `createPgMissingAdminNames` |
 * | refresh tokens | `RefreshRecordStore` (auth) | `createKvRefreshRecords` | `createPgRefreshRecords` |
 * | the generated JWT secret | `JwtSecretStore` (auth) | `createKvJwtSecretStore` | `createPgJwtSecretStore` |
 * | sign-outs | `SignedOutStore` (auth) | `createKvSignedOutStore` | `createPgSignedOutStore` |
 * | rooms' metadata, members, invitations | `MembershipStore` (membership) | `createKvMembershipStore` | `createPgMembershipStore` |
 * | read positions | `ReadPositions` (membership) | `createKvReadPositions` | `createPgReadPositions` |
 * | message search | `SearchIndex` (search) | `createKvSearchIndex` | `createPgSearchIndex` |
 *
 * With PostgreSQL no KV database is opened at all, and the cluster plane is
 * the postgres engine on the pool (or, with `CLUSTER=local`, the local engine
 * on these stores; `services.ts`); with KV the cluster engine keeps its own
 * on the database (`cluster/`).
 *
 * @example
 * ```ts
 * const storage = await openStorage(config, env, { clock });
 * storage.engine; // "kv" or "postgres"
 * await storage.close();
 * ```
 */
import type { Clock } from "../time/clock.ts";
import type { Config } from "./config.ts";
import {
  connectPostgres,
  DatabaseUnavailableError,
  describeDatabaseError,
  migrate,
  type Postgres,
  type Sql,
} from "./postgres/mod.ts";
import {
  createBatchedGets,
  createMessageStore,
  createPgMessageStore,
  type MessageStore,
  type MessageStoreOptions,
} from "./store/mod.ts";
import {
  type ClosedRoomFlags,
  createKvClosedRoomFlags,
  createPgClosedRoomFlags,
} from "./rooms/mod.ts";
import {
  createKvLease,
  createKvRateLimits,
  createPgLease,
  createPgRateLimits,
  type Lease,
  type RateLimits,
} from "./cluster/mod.ts";
import {
  createKvStatusHistoryStore,
  createPgStatusHistoryStore,
  type StatusHistoryStore,
} from "./status_history/mod.ts";
import {
  type AccountStore,
  createKnownAddresses,
  createKvAccountStore,
  createKvMissingAdminNames,
  createPgAccountStore,
  createPgKnownAddresses,
  createPgMissingAdminNames,
  type KnownAddresses,
  type MissingAdminNames,
} from "./accounts/mod.ts";
import {
  createKvMembershipStore,
  createKvReadPositions,
  createPgMembershipStore,
  createPgReadPositions,
  type MembershipStore,
  type ReadPositions,
} from "./membership/mod.ts";
import { createKvSearchIndex, createPgSearchIndex, type SearchIndex } from "./search/mod.ts";
import {
  createKvJwtSecretStore,
  createKvRefreshRecords,
  createKvSignedOutStore,
  createPgJwtSecretStore,
  createPgRefreshRecords,
  createPgSignedOutStore,
  type JwtSecretStore,
  type RefreshRecordStore,
  type SignedOutStore,
} from "./auth/mod.ts";

/** The stores of one engine. */
export interface Storage {
  engine: "kv" | "postgres";
  /** Where the data is, safe to log: the KV path, or `DATABASE_URL` without its password. */
  location: string;
  /** The KV database, when the engine is KV (the cluster engine runs on it). */
  kv?: Deno.Kv;
  /** The PostgreSQL pool, when the engine is PostgreSQL (the postgres cluster engine runs on it). */
  sql?: Sql;
  /** The schema migrations this start applied (PostgreSQL), for the log. */
  migrated?: number[];
  messages: MessageStore;
  closedRooms: ClosedRoomFlags;
  /** The lease `name`, as `holder` asks for it. */
  lease(name: string, holder: string, ttlMs?: number): Lease;
  rateLimits: RateLimits;
  statusHistory: StatusHistoryStore;
  accounts: AccountStore;
  knownAddresses: KnownAddresses;
  missingAdminNames: MissingAdminNames;
  refreshRecords: RefreshRecordStore;
  jwtSecret: JwtSecretStore;
  signedOut: SignedOutStore;
  memberships: MembershipStore;
  /** Each account's read position in each room. */
  readPositions: ReadPositions;
  /**
   * Message search: an index of its own in KV (fed by the search indexer), or
   * PostgreSQL's full-text search over the log itself.
   */
  search: SearchIndex;
  /** One read: resolves while the database answers (`/readyz`). */
  probe(): Promise<unknown>;
  /** Closes the database if this storage opened it. */
  close(): Promise<void>;
}

/** What the stores are made with. */
export interface StorageOptions {
  config: Pick<Config, "roomHistoryMax" | "emptyRoomTtlS">;
  clock: Clock;
}

function logOptions({ config, clock }: StorageOptions): MessageStoreOptions {
  return {
    historyMax: config.roomHistoryMax,
    clock,
    unusedRoomTtlMs: config.emptyRoomTtlS * 1000,
  };
}

/**
 * The stores on a KV database; `close` closes it only when `owned`.
 *
 * @example
 * ```ts
 * const storage = createKvStorage(await Deno.openKv(":memory:"), { config, clock }, { owned: true });
 * ```
 */
export function createKvStorage(
  kv: Deno.Kv,
  options: StorageOptions & { location?: string },
  { owned = false } = {},
): Storage {
  const { clock } = options;
  // A join's access check and read position, and others' at the same time, in few KV calls.
  const smallReads = createBatchedGets(kv);
  return {
    engine: "kv",
    location: options.location ?? "(a KV database given)",
    kv,
    messages: createMessageStore(kv, logOptions(options)),
    closedRooms: createKvClosedRoomFlags(kv),
    lease: (name, holder, ttlMs) => createKvLease({ kv, clock, name, holder, ttlMs }),
    rateLimits: createKvRateLimits({ kv, clock }),
    statusHistory: createKvStatusHistoryStore({ kv }),
    accounts: createKvAccountStore(kv),
    knownAddresses: createKnownAddresses(kv),
    missingAdminNames: createKvMissingAdminNames(kv),
    refreshRecords: createKvRefreshRecords(kv),
    jwtSecret: createKvJwtSecretStore(kv),
    signedOut: createKvSignedOutStore(kv),
    memberships: createKvMembershipStore({ kv, getMany: smallReads }),
    readPositions: createKvReadPositions(kv, smallReads),
    search: createKvSearchIndex({ kv }),
    probe: () => kv.get(["readyz"]),
    close() {
      if (owned) kv.close();
      return Promise.resolve();
    },
  };
}

/**
 * The stores on an open, migrated PostgreSQL pool; `close` ends the pool.
 *
 * @example
 * ```ts
 * const pg = await connectPostgres({ url, poolSize: 10 });
 * await migrate(pg.sql);
 * const storage = createPgStorage(pg, { config, clock });
 * ```
 */
export function createPgStorage(pg: Postgres, options: StorageOptions): Storage {
  const { sql } = pg;
  const { clock } = options;
  return {
    engine: "postgres",
    location: pg.target.redacted,
    sql,
    messages: createPgMessageStore(sql, logOptions(options)),
    closedRooms: createPgClosedRoomFlags(sql),
    lease: (name, holder, ttlMs) => createPgLease({ sql, clock, name, holder, ttlMs }),
    rateLimits: createPgRateLimits({ sql, clock }),
    statusHistory: createPgStatusHistoryStore({ sql }),
    accounts: createPgAccountStore(sql),
    knownAddresses: createPgKnownAddresses(sql),
    missingAdminNames: createPgMissingAdminNames(sql),
    refreshRecords: createPgRefreshRecords(sql),
    jwtSecret: createPgJwtSecretStore(sql),
    signedOut: createPgSignedOutStore(sql),
    memberships: createPgMembershipStore(sql),
    readPositions: createPgReadPositions(sql),
    search: createPgSearchIndex(sql),
    probe: () => sql`select 1`,
    close: () => pg.close(),
  };
}

/**
 * Opens the configured engine: PostgreSQL when `DATABASE_URL` is set (the
 * schema migrated first), else the KV database at `KV_PATH` (Deno Deploy's
 * own when deployed). Throws `DatabaseUnavailableError` when PostgreSQL
 * cannot be used.
 */
export async function openStorage(
  config: Config,
  env: Record<string, string | undefined>,
  { clock }: { clock: Clock },
): Promise<Storage> {
  const options = { config, clock };
  if (config.databaseUrl) {
    const pg = await connectPostgres({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
    });
    let migrated: number[];
    try {
      migrated = await migrate(pg.sql);
    } catch (error) {
      await pg.close();
      throw new DatabaseUnavailableError(
        `cannot migrate the schema of PostgreSQL at ${pg.target.host}:${pg.target.port} ` +
          `(database ${pg.target.database}): ${describeDatabaseError(error)}`,
      );
    }
    return { ...createPgStorage(pg, options), migrated };
  }
  const kv = await openKv(config.kvPath, env);
  return createKvStorage(kv, { ...options, location: config.kvPath }, { owned: true });
}

/**
 * Opens the KV database: Deno Deploy's own when deployed (no path), otherwise
 * the file at `KV_PATH` (its folder is created) or `:memory:`.
 */
export async function openKv(
  kvPath: string,
  env: Record<string, string | undefined>,
): Promise<Deno.Kv> {
  if (env.DENO_DEPLOYMENT_ID) return await Deno.openKv();
  if (kvPath !== ":memory:") {
    const folder = kvPath.includes("/") ? kvPath.slice(0, kvPath.lastIndexOf("/")) : "";
    if (folder) await Deno.mkdir(folder, { recursive: true });
  }
  return await Deno.openKv(kvPath);
}

/**
 * Starts the engine the configuration chose (`CLUSTER`, see
 * `lib/server/config.ts`: `postgres` with `DATABASE_URL`, `kv` on Deno
 * Deploy or with a remote `KV_PATH`, `local` otherwise) for one instance.
 *
 * @example
 * ```ts
 * const cluster = await createCluster({
 *   engine: config.cluster, kv, clock, instance: newInstanceId(), namespace: "switchboard-3f2c9e",
 *   expiryMs: config.clusterExpiryMs, log: { historyMax: config.roomHistoryMax },
 * });
 * log.info("cluster.started", cluster.info());
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { Sql } from "../postgres/mod.ts";
import type { MessageStoreOptions } from "../store/mod.ts";
import type { Cluster, ClusterEngine } from "./cluster.ts";
import { createKvCluster } from "./kv/kv_cluster.ts";
import { createPgCluster } from "./postgres/pg_cluster.ts";
import {
  createLocalCluster,
  kvLocalStores,
  type LocalClusterStores,
} from "./local/local_cluster.ts";

/** Options of {@linkcode createCluster}. */
export interface ClusterOptions {
  engine: ClusterEngine;
  /** The KV database: the kv engine's everything; the local engine's stores unless `stores` are given. */
  kv?: Deno.Kv;
  /**
   * The local engine's log, buckets and leases when they are not in `kv`
   * (PostgreSQL's, with `DATABASE_URL`). The kv engine ignores them.
   */
  stores?: LocalClusterStores;
  /** The postgres engine's pool (of a migrated database). */
  sql?: Sql;
  clock: Clock;
  /** This instance's id (see {@linkcode newInstanceId}). */
  instance: string;
  /** The local engine's channel: isolates with the same namespace are one cluster. */
  namespace: string;
  /** How long an instance counts after its last heartbeat. */
  expiryMs: number;
  /** The room log's options, but its clock (when the log is made on `kv`). */
  log: Omit<MessageStoreOptions, "clock" | "headSignal">;
  /** A background failure; the engine keeps going. */
  onError?: (error: unknown) => void;
}

/** A new instance id: 12 hex digits, unique enough that no two instances of a cluster share one. */
export function newInstanceId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

/** Starts the cluster engine of one instance. */
export function createCluster(options: ClusterOptions): Promise<Cluster> {
  const { kv, sql, clock, log } = options;
  if (options.engine === "postgres") {
    return sql
      ? createPgCluster({ ...options, sql })
      : Promise.reject(new TypeError("the postgres cluster engine needs a PostgreSQL pool"));
  }
  if (options.engine === "local" && options.stores) {
    return createLocalCluster({ ...options, stores: options.stores });
  }
  if (!kv) {
    return Promise.reject(
      new TypeError(`the ${options.engine} cluster engine needs a KV database (or local stores)`),
    );
  }
  return options.engine === "kv"
    ? createKvCluster({ ...options, kv })
    : createLocalCluster({ ...options, stores: kvLocalStores({ kv, clock, log }) });
}

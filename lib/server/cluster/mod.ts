/**
 * The cluster plane: the one seam through which everything that spans
 * instances goes (the room log and its fan-out, events, instances and their
 * heartbeats, shares, rate limits, leases), with three engines behind it:
 * `local` (the isolates of one process, over a `BroadcastChannel`, keeping
 * the log, buckets and leases in Deno KV or PostgreSQL), `kv` (instances
 * sharing one Deno KV database) and `postgres` (processes sharing one
 * PostgreSQL database). `cluster.ts` is the seam and says
 * what crosses how; `local/`, `kv/` and `postgres/` are the engines, and each engine's
 * module says what it costs. A third engine passes the contract tests in
 * `tests/contracts/cluster_*.ts`.
 *
 * Imports `../store` (the log, the retry on a lock), `../bus` (the local
 * engine's channel, the room feed, the typed events) and `../postgres` (the
 * pool, the lease and buckets in PostgreSQL), besides `lib/protocol` and `lib/time`.
 *
 * @example
 * ```ts
 * import { createCluster, newInstanceId } from "./mod.ts";
 * const cluster = await createCluster({
 *   engine: "kv", kv, clock, instance: newInstanceId(), namespace: "prod", expiryMs: 15_000,
 *   log: { historyMax: 10_000 },
 * });
 * ```
 */
export * from "./cluster.ts";
export * from "./create_cluster.ts";
export * from "./lease.ts";
export * from "./kv_lease.ts";
export * from "./pg_lease.ts";
export * from "./kv_rate_limits.ts";
export * from "./pg_rate_limits.ts";
export * from "./token_bucket.ts";
export { kvLocalStores, type LocalClusterStores } from "./local/local_cluster.ts";

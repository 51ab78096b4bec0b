/**
 * Leases: one holder at a time among the instances sharing a store, with
 * fencing tokens, in Deno KV (`kv_lease.ts`) or PostgreSQL (`pg_lease.ts`).
 *
 * Imports `../store` and `../postgres` (besides `lib/time`).
 *
 * @example
 * ```ts
 * import { createKvLease, type Lease } from "./mod.ts";
 * const lease: Lease = createKvLease({ kv, clock, name: "status_history", holder: instance });
 * ```
 */
export * from "./lease.ts";
export * from "./kv_lease.ts";
export * from "./pg_lease.ts";

/**
 * Leases: one holder at a time among the instances sharing a store, with
 * fencing tokens, and their Deno KV implementation.
 *
 * Imports `../store` only (besides `lib/time`).
 *
 * @example
 * ```ts
 * import { createKvLease, type Lease } from "./mod.ts";
 * const lease: Lease = createKvLease({ kv, clock, name: "status_history", holder: instance });
 * ```
 */
export * from "./lease.ts";
export * from "./kv_lease.ts";

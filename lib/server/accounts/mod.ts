/**
 * Accounts: who may hold a name (names, look-alikes, password hashes, the
 * names active guests hold), who is an administrator, who matches a name
 * prefix, and the addresses each account signed in from. Signing
 * in with them is `../auth`'s.
 *
 * Each kind of record sits behind a small store interface with a Deno KV and
 * a PostgreSQL implementation (`account_store.ts`, `known_addresses.ts`,
 * `admin_users.ts`; `pg_stores.ts`).
 *
 * Imports `../store` and `../postgres` (besides `lib/protocol` and `lib/time`).
 *
 * @example
 * ```ts
 * import { createAccounts, resolveAdminUsers, roleOf } from "./mod.ts";
 * ```
 */
export * from "./accounts.ts";
export * from "./account_store.ts";
export * from "./kv_account_store.ts";
export * from "./pg_stores.ts";
export * from "./admin_command.ts";
export * from "./admin_users.ts";
export * from "./guest_names.ts";
export * from "./known_addresses.ts";
export * from "./names.ts";
export * from "./passwords.ts";
export { SKELETON_VERSION, skeletonOf } from "./confusables.ts";

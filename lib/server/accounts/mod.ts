/**
 * Accounts: who may hold a name and who is an administrator, in one place.
 *
 * @example
 * ```ts
 * import { createAccounts, resolveAdminUsers, roleOf } from "./mod.ts";
 * ```
 */
export * from "./accounts.ts";
export * from "./admin_command.ts";
export * from "./admin_users.ts";
export * from "./known_addresses.ts";
export * from "./names.ts";
export { SKELETON_VERSION, skeletonOf } from "./confusables.ts";

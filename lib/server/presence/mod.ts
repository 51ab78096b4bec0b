/**
 * Who is online in each room, summed over every instance of the cluster. See
 * `presence.ts`.
 *
 * Imports `../cluster` only, for its keyed shares (besides `lib/protocol` and
 * `lib/time`).
 *
 * @example
 * ```ts
 * import { createPresence, presenceShares } from "./mod.ts";
 * const presence = createPresence({ shares: presenceShares(cluster), clock: createSystemClock() });
 * ```
 */
export * from "./presence.ts";
export type { UsersPage, UsersPageQuery } from "./sorted_users.ts";

/**
 * Who is online in each room, summed over every isolate. See `presence.ts`.
 *
 * Imports `../bus` only, for its typed events (besides `lib/protocol` and
 * `lib/time`).
 *
 * @example
 * ```ts
 * import { createPresence } from "./mod.ts";
 * const presence = createPresence({ events, clock: createSystemClock() });
 * ```
 */
export * from "./presence.ts";

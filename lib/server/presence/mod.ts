/**
 * Who is online in each room, summed over every isolate. See `presence.ts`.
 *
 * @example
 * ```ts
 * import { createPresence } from "./mod.ts";
 * const presence = createPresence({ link: bus, clock: createSystemClock() });
 * ```
 */
export * from "./presence.ts";

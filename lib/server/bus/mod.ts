/**
 * Fan-out of committed messages and ephemeral events across isolates and
 * instances. See `bus.ts` for the paths and `room_feed.ts` for the ordering.
 *
 * @example
 * ```ts
 * import { createBus } from "./mod.ts";
 * const bus = createBus({ namespace: "prod", log: store, kv });
 * ```
 */
export * from "./bus.ts";
export * from "./room_feed.ts";

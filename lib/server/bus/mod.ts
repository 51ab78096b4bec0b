/**
 * The local cluster engine's transport, and the typed events of every engine:
 * committed messages fanned out between the isolates of one process over a
 * `BroadcastChannel`, each room's in seq order (`bus.ts`, `room_feed.ts`), and
 * events by topic, every topic named once with its payload's schema and
 * delivery (`topics.ts`): the rest of the server sends and hears events only
 * through the typed `EventBus`, whichever engine carries them.
 *
 * Imports `../store` (the log a feed reads what it missed from), besides
 * `lib/protocol`.
 *
 * @example
 * ```ts
 * import { createBus, createEventBus } from "./mod.ts";
 * const bus = createBus({ namespace: "prod", log: store });
 * const events = createEventBus(bus);
 * events.on("room_closed", ({ room }) => console.log(`${room} closed`));
 * ```
 */
export * from "./bus.ts";
export * from "./room_feed.ts";
export * from "./room_subscriptions.ts";
export * from "./topics.ts";

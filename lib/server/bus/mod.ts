/**
 * Fan-out between isolates and instances: committed messages, each room's in
 * seq order (`bus.ts`, `room_feed.ts`), and ephemeral events, every topic
 * named once with its payload's schema (`topics.ts`): the rest of the server
 * sends and hears events only through the typed `EventBus`.
 *
 * Imports `../store` (the log a feed reads what it missed from) and
 * `../metrics` (the snapshot's schema, a topic's payload), besides
 * `lib/protocol`.
 *
 * @example
 * ```ts
 * import { createBus, createEventBus } from "./mod.ts";
 * const bus = createBus({ namespace: "prod", log: store, kv });
 * const events = createEventBus(bus);
 * events.on("room_closed", ({ room }) => console.log(`${room} closed`));
 * ```
 */
export * from "./bus.ts";
export * from "./room_feed.ts";
export * from "./topics.ts";

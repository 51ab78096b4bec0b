/**
 * The room layer: the frame-level operations the hub dispatches room frames
 * to, over the log (`../store`), the bus (`../bus`) and presence (`../presence`).
 *
 * @example
 * ```ts
 * import { createRoomService } from "./mod.ts";
 * const rooms = createRoomService({ store, bus, presence, clock, config });
 * ```
 */
export * from "./member.ts";
export * from "./room_service.ts";
export * from "./room_layer.ts";
export * from "./room_closures.ts";

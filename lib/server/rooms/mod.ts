/**
 * Rooms: what the hub hands room frames to (`join`, `leave`, `send`,
 * `history`, `typing`), over the log (`../store`), the fan-out and typed
 * events (`../bus`) and presence (`../presence`); the rooms an administrator
 * closed (their flags in KV or PostgreSQL); and the room layer that builds all
 * of it on the cluster plane (`../cluster`).
 *
 * Imports `../store`, `../bus`, `../presence`, `../cluster`, `../metrics`,
 * `../limits` and `../postgres` (besides `lib/protocol` and `lib/time`); it knows a connection
 * only as a {@linkcode RoomMember}, never the hub's.
 *
 * @example
 * ```ts
 * import { createRoomLayer } from "./mod.ts";
 * const layer = createRoomLayer({ cluster, kv, clock, config });
 * await layer.service.handle(member, { type: "join", room: "general" });
 * ```
 */
export * from "./member.ts";
export * from "./room_handler.ts";
export * from "./room_service.ts";
export * from "./room_layer.ts";
export * from "./room_closures.ts";

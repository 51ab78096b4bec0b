/**
 * Rooms: what the hub hands room frames to (`join`, `leave`, `send`,
 * `history`, `typing`, and those about membership: `create_room`, `dm`,
 * `invite`, `set_role`, `remove_member`, `room_members`), over the log
 * (`../store`), the fan-out and typed events (`../bus`), presence
 * (`../presence`) and membership (`../membership`); who may do what in a room
 * (`access.ts`, the one check of every path); the rooms an administrator
 * closed (their flags in KV or PostgreSQL); and the room layer that builds all
 * of it on the cluster plane (`../cluster`).
 *
 * Imports `../store`, `../bus`, `../presence`, `../membership`, `../cluster`,
 * `../metrics`, `../limits` and `../postgres` (besides `lib/protocol` and
 * `lib/time`); it knows a connection only as a {@linkcode RoomMember}, never
 * the hub's.
 *
 * @example
 * ```ts
 * import { createRoomLayer } from "./mod.ts";
 * const layer = createRoomLayer({ cluster, closedRooms, memberships, clock, config, findUser });
 * await layer.service.handle(member, { type: "join", room: "general" });
 * ```
 */
export * from "./member.ts";
export * from "./room_handler.ts";
export * from "./room_service.ts";
export * from "./room_layer.ts";
export * from "./room_closures.ts";
export * from "./access.ts";
export * from "./dm_rooms.ts";
export * from "./membership_events.ts";
export * from "./guest_memberships.ts";

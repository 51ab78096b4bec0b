/**
 * The Deno KV keys of rooms' metadata and membership. Everything the
 * membership store writes lives under these prefixes.
 *
 * | key | value | why |
 * | --- | --- | --- |
 * | `["room_info", room]` | {@linkcode RoomInfo} | who may see the room (public, private, a direct message), its owner, a DM's people; written once, when the room is made (a room made by `join` before rooms had it gets it at its next join) |
 * | `["member_of", userId, room]` | `{ joinedAt }` | the rooms a user belongs to, by name: `GET /api/rooms` and the sidebar of every device |
 * | `["room_member", room, userId]` | {@linkcode Membership} | a room's members and their part in it (owner, moderator, member): access checks, the member list |
 * | `["room_member_count", room]` | `Deno.KvU64` | how many members a room has, moved in the same atomic operation as the two keys above |
 * | `["room_invite", room, userId]` | {@linkcode Invitation}, expiring after 30 days | who may join a private room they are not a member of yet; joining takes it |
 *
 * @example
 * ```ts
 * await kv.get(roomInfoKey("general")); // null for a room made before rooms had metadata
 * ```
 */
import type { PublicUser, RoomRole, RoomVisibility } from "../../protocol/mod.ts";

/** What a room is, as stored. */
export interface RoomInfo {
  room: string;
  visibility: RoomVisibility;
  /** Its creator's id; null for a room made by `join` (public, nobody's) or a direct message. */
  owner: string | null;
  createdAt: number;
  /** A direct message's people, by id. */
  people?: PublicUser[];
}

/** A member of a room. */
export interface Membership {
  user: PublicUser;
  role: RoomRole;
  joinedAt: number;
}

/** Someone's invitation to a room. */
export interface Invitation {
  by: PublicUser;
  at: number;
}

/** The key of a room's metadata. */
export function roomInfoKey(room: string): Deno.KvKey {
  return ["room_info", room];
}

/** The key saying `userId` belongs to `room`. */
export function memberOfKey(userId: string, room: string): Deno.KvKey {
  return ["member_of", userId, room];
}

/** The prefix of the rooms `userId` belongs to. */
export function memberOfPrefix(userId: string): Deno.KvKey {
  return ["member_of", userId];
}

/** The key of `userId`'s membership of `room`. */
export function roomMemberKey(room: string, userId: string): Deno.KvKey {
  return ["room_member", room, userId];
}

/** The prefix of a room's members. */
export function roomMembersPrefix(room: string): Deno.KvKey {
  return ["room_member", room];
}

/** The key counting a room's members. */
export function roomMemberCountKey(room: string): Deno.KvKey {
  return ["room_member_count", room];
}

/** The key of `userId`'s invitation to `room`. */
export function roomInviteKey(room: string, userId: string): Deno.KvKey {
  return ["room_invite", room, userId];
}

/**
 * The names of the contract: which room names and user names are valid, and
 * the room everyone is in. Plain values, so the browser can check a name
 * without the zod schemas that wrap these rules (`RoomName`, `UserName`).
 *
 * @example
 * ```ts
 * ROOM_NAME_PATTERN.test("general"); // true
 * ROOM_NAME_HELP; // "room names are 1-64 characters of a-z 0-9 - _"
 * ```
 */

/** Room names: 1–64 characters of `a-z 0-9 - _`. */
export const ROOM_NAME_PATTERN = /^[a-z0-9_-]{1,64}$/;

/** What {@linkcode ROOM_NAME_PATTERN} asks, in words. */
export const ROOM_NAME_HELP = "room names are 1-64 characters of a-z 0-9 - _";

/** The room every user is in: it always exists, and the chat opens it when no other is asked for. */
export const DEFAULT_ROOM = "general";

/**
 * Direct-message rooms are named `dm-` and a hash of their people: no other
 * room may take a name starting so, and `join` never creates one.
 */
export const DM_PREFIX = "dm-";

/** Most other people a direct message may have (the sender makes one more). */
export const DM_MEMBERS_MAX = 8;

/**
 * Whether `room` is a direct message's name (reserved: see {@linkcode DM_PREFIX}).
 *
 * @example
 * ```ts
 * isDmRoom("dm-3f2c9e"); // true
 * ```
 */
export function isDmRoom(room: string): boolean {
  return room.startsWith(DM_PREFIX);
}

/** What a user is on the server: an account (`user`, `admin`) or a `guest`. */
export const ROLES = ["user", "guest", "admin"] as const;

/** Who may see a room: everyone, its members, or the people of a direct message. */
export const ROOM_VISIBILITIES = ["public", "private", "dm"] as const;

/** A member's part in a room: its creator (`owner`), a `moderator`, or a `member`. */
export const ROOM_ROLES = ["owner", "moderator", "member"] as const;

/** Most users one `GET /api/users` answer holds. */
export const USER_LOOKUP_MAX = 20;

/** Display names: 1–32 characters, letters, digits, `-`, `_` and `.`. */
export const USER_NAME_PATTERN = /^[\p{L}\p{N}_.-]{1,32}$/u;

/** What {@linkcode USER_NAME_PATTERN} asks, in words. */
export const USER_NAME_HELP = "names are 1-32 letters, digits, '-', '_' or '.'";

/**
 * Whether `name` is a valid room name.
 *
 * @example
 * ```ts
 * isRoomName("Lobby"); // false: upper case
 * ```
 */
export function isRoomName(name: string): boolean {
  return ROOM_NAME_PATTERN.test(name);
}

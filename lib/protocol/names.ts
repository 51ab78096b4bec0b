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

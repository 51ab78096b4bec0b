/**
 * The bounds of big rooms (`presence_summary`), free of zod so that the
 * browser's bundle can read them: the `members` page sizes, the longest name
 * a `members` frame may carry, and how many typists a summary names.
 *
 * @example
 * ```ts
 * import { MEMBERS_LIMIT_MAX } from "./big_rooms.ts";
 * send({ type: "members", room: "general", limit: MEMBERS_LIMIT_MAX });
 * ```
 */

/** The most users a `members` page may ask for. */
export const MEMBERS_LIMIT_MAX = 200;
/** The users in a `members` page that asks for no `limit`. */
export const MEMBERS_LIMIT_DEFAULT = 100;
/** The longest name a `members` frame may page after or search for. */
export const MEMBER_NAME_MAX = 128;
/** The most typists a summarized `typing` names. */
export const TYPING_NAMED_MAX = 3;

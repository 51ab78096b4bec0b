/**
 * Mentions (second edition): the `@name`s of a text, found by the server (a
 * client's say-so is never taken), and which of them name members of the
 * room. A name is what a user name may be (`USER_NAME_PATTERN`), after an `@`
 * that starts the text or follows a character that cannot be in a name (so
 * `ada@example.com` names nobody); a trailing `.` ends a sentence rather than
 * the name. At most {@linkcode MENTIONS_MAX} distinct names of a text count:
 * each costs a lookup, and a text naming the whole room is not a mention.
 *
 * @example
 * ```ts
 * mentionedNames("@ada and @bob.", 8); // ["ada", "bob"]
 * const ids = await mentionedMembers("hi @ada", "general", { findUser, isMember }); // ["user:ada"]
 * ```
 */
import type { PublicUser } from "../../protocol/mod.ts";

/** The most distinct `@name`s of one text that are looked up. */
export const MENTIONS_MAX = 8;

const MENTION = /(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}_.-]{1,32})/gu;

/** The distinct names `text` mentions, in order, at most `max`. */
export function mentionedNames(text: string, max = MENTIONS_MAX): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const name = match[1].replace(/\.+$/, "");
    if (name.length > 0) names.add(name);
    if (names.size === max) break;
  }
  return [...names];
}

/** How {@linkcode mentionedMembers} finds people and their memberships. */
export interface MentionLookup {
  findUser(name: string): Promise<PublicUser | null>;
  isMember(room: string, userId: string): Promise<boolean>;
}

/** The ids of the members of `room` that `text` mentions (distinct, at most {@linkcode MENTIONS_MAX}). */
export async function mentionedMembers(
  text: string,
  room: string,
  lookup: MentionLookup,
): Promise<string[]> {
  if (!text.includes("@")) return [];
  const found = await Promise.all(
    mentionedNames(text).map(async (name) => {
      const user = await lookup.findUser(name);
      return user && await lookup.isMember(room, user.id) ? user.id : null;
    }),
  );
  return [...new Set(found.filter((id): id is string => id !== null))];
}

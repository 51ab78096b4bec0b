/**
 * Replies that carry a page of messages (`joined`, `history`) stay under a
 * byte bound, so that one small request cannot make the server queue
 * megabytes to one socket. Each message is serialized once, counted in UTF-8
 * bytes, and spliced into the frame's JSON as it is.
 *
 * A page read oldest first is cut from one end: a catch-up keeps its `oldest`
 * messages (the client continues right after them), a page of older history
 * keeps its `newest` (the client asks `before` the first it got). At least one
 * message is always kept, even over the bound, so that paging always moves on.
 *
 * @example
 * ```ts
 * const frame = { type: "history", room: "general", more: true, messages: [] };
 * // utf8Length from ../utf8_length.ts
 * const page = boundPage(messages, 524_288 - utf8Length(JSON.stringify(frame)), "newest");
 * const json = spliceMessages({ ...frame, more: page.trimmed || stored.more }, page.texts);
 * ```
 */
import type { Message } from "../../protocol/mod.ts";
import { utf8Length } from "../utf8_length.ts";

/** Messages of a page as JSON texts, oldest first, and whether some were left out. */
export interface BoundedPage {
  texts: string[];
  trimmed: boolean;
}

/**
 * As many of `messages` (oldest first) as fit in `budget` bytes of JSON array
 * items, taken from the `keep` end; at least one.
 */
export function boundPage(
  messages: readonly Message[],
  budget: number,
  keep: "oldest" | "newest",
): BoundedPage {
  const order = keep === "oldest" ? messages : messages.toReversed();
  const texts: string[] = [];
  let used = 0;
  for (const message of order) {
    const text = JSON.stringify(message);
    // One comma between items.
    used += utf8Length(text) + (texts.length > 0 ? 1 : 0);
    if (texts.length > 0 && used > budget) break;
    texts.push(text);
  }
  if (keep === "newest") texts.reverse();
  return { texts, trimmed: texts.length < messages.length };
}

/** `frame` as JSON with a `messages` array made of already serialized `texts`. */
export function spliceMessages(frame: object, texts: readonly string[]): string {
  const json = JSON.stringify(frame);
  return `${json.slice(0, -1)},"messages":[${texts.join(",")}]}`;
}

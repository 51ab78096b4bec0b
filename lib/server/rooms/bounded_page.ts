/**
 * Replies that carry a page of messages (`joined`, `history`) stay under a
 * byte bound, so that one small request cannot make the server queue
 * megabytes to one socket. Each message's size in the reply is counted without
 * serializing it (the reply is serialized once, when sent): under load, every
 * extra copy of a big reply is memory the garbage collector has to catch up on.
 *
 * A page read oldest first is cut from one end: a catch-up keeps its `oldest`
 * messages (the client continues right after them), a page of older history
 * keeps its `newest` (the client asks `before` the first it got). At least one
 * message is always kept, even over the bound, so that paging always moves on.
 *
 * @example
 * ```ts
 * const frame = { type: "history", room: "general", more: true, messages: [] };
 * const page = boundPage(messages, 524_288 - utf8Length(JSON.stringify(frame)), "newest");
 * send(JSON.stringify({ ...frame, messages: page.messages, more: page.trimmed || stored.more }));
 * ```
 */
import type { Message } from "../../protocol/mod.ts";
import { jsonStringLength, utf8Length } from "../limits/mod.ts";

/** The messages of a page that fit, oldest first, and whether some were left out. */
export interface BoundedPage {
  messages: Message[];
  trimmed: boolean;
}

/** The UTF-8 bytes `JSON.stringify(message)` takes, its text measured in place. */
export function messageJsonLength(message: Message): number {
  // The text is all but a few dozen bytes: the rest is small enough to serialize.
  if (message.text === undefined) return utf8Length(JSON.stringify(message));
  const rest = utf8Length(JSON.stringify({ ...message, text: "" }));
  return rest - 2 + jsonStringLength(message.text);
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
  const kept: Message[] = [];
  let used = 0;
  for (const message of order) {
    // One comma between items.
    used += messageJsonLength(message) + (kept.length > 0 ? 1 : 0);
    if (kept.length > 0 && used > budget) break;
    kept.push(message);
  }
  if (keep === "newest") kept.reverse();
  return { messages: kept, trimmed: kept.length < messages.length };
}

/**
 * Replies that carry a page of messages (`joined`, `history`) stay under a
 * byte bound, so that one small request cannot make the server queue
 * megabytes to one socket. Each message is serialized once: the page is
 * budgeted on those pieces and the reply is assembled from them, never
 * serialized a second time (under load, every extra copy of a big reply is
 * memory the garbage collector has to catch up on). A page that many joins
 * share (see `shared_reads.ts`) is serialized once for all of them.
 *
 * A page read oldest first is cut from one end: a catch-up keeps its `oldest`
 * messages (the client continues right after them), a page of older history
 * keeps its `newest` (the client asks `before` the first it got). At least one
 * message is always kept, even over the bound, so that paging always moves on.
 *
 * @example
 * ```ts
 * const frame = { type: "history", room: "general", more: true, messages: [] };
 * const page = boundPage(serializeMessages(messages), 524_288 - utf8Length(JSON.stringify(frame)), "newest");
 * send(`{"type":"history","room":"general","more":${page.trimmed},"messages":[${page.items.join(",")}]}`);
 * ```
 */
import type { Message } from "../../protocol/mod.ts";
import { utf8Length } from "../limits/mod.ts";

/** The JSON of each message of a page that fit, oldest first, and whether some were left out. */
export interface BoundedPage {
  items: string[];
  trimmed: boolean;
}

/** Pages already serialized: a page read once and served to many is serialized once. */
const serialized = new WeakMap<readonly Message[], readonly string[]>();

/** `JSON.stringify` of each of `messages`, in order (remembered for as long as the page lives). */
export function serializeMessages(messages: readonly Message[]): readonly string[] {
  let items = serialized.get(messages);
  if (!items) {
    items = messages.map((message) => JSON.stringify(message));
    serialized.set(messages, items);
  }
  return items;
}

/**
 * As many of `items` (messages' JSON, oldest first) as fit in `budget` bytes
 * of JSON array items, taken from the `keep` end; at least one.
 */
export function boundPage(
  items: readonly string[],
  budget: number,
  keep: "oldest" | "newest",
): BoundedPage {
  const order = keep === "oldest" ? items : items.toReversed();
  const kept: string[] = [];
  let used = 0;
  for (const item of order) {
    // One comma between items.
    used += utf8Length(item) + (kept.length > 0 ? 1 : 0);
    if (kept.length > 0 && used > budget) break;
    kept.push(item);
  }
  if (keep === "newest") kept.reverse();
  return { items: kept, trimmed: kept.length < items.length };
}

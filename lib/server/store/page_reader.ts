/**
 * Filling a history page from messages read in page order: at most `limit`
 * of them, stopping after the one that takes the texts past `maxBytes`, and
 * whether any were left unread. Every engine reads one more row than the page
 * holds and hands them here, so pages are cut the same way on each.
 *
 * @example
 * ```ts
 * const page = await fillPage(rowsNewestFirst, { limit: 50, maxBytes: 400_000 }, "newest");
 * page.messages; // oldest first
 * ```
 */
import type { Message } from "../../protocol/mod.ts";
import { utf8Length } from "../limits/mod.ts";
import type { HistoryPage, PageSize } from "./message_store.ts";

/**
 * A page from `messages`, read from the page's `from` end (newest first for
 * `"newest"`), oldest first in the answer.
 */
export async function fillPage(
  messages: AsyncIterable<Message> | Iterable<Message>,
  size: PageSize,
  from: "newest" | "oldest",
): Promise<HistoryPage> {
  const page: Message[] = [];
  let bytes = 0;
  let more = false;
  for await (const message of messages) {
    if (page.length === size.limit || bytes > (size.maxBytes ?? Infinity)) {
      more = true;
      break;
    }
    page.push(message);
    bytes += utf8Length(message.text);
  }
  if (from === "newest") page.reverse();
  return { messages: page, more };
}

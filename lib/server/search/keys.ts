/**
 * The Deno KV keys of the search index. Everything it writes lives under
 * these three prefixes, apart from the room log's (`../store/keys.ts`).
 *
 * | key | value | why |
 * | --- | --- | --- |
 * | `["search_word", room, word, seq]` | `number`, the entry's `ts` | a word's entries in a room, seq order: a search reads them newest first, a page at a time, and skips ahead to a seq; the `ts` orders hits across rooms without reading the entry |
 * | `["search_entry", room, seq]` | {@linkcode IndexedEntry} | the words an entry is indexed under, so an edit or a delete removes exactly those keys |
 * | `["search_through", room]` | `number`, a seq | how far the room's log is indexed: the catch-up after a restart starts after it, and every write checks it, so two writers never index the same entries twice |
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * await kv.get(searchThroughKey("general")); // { value: null, ... } until something is indexed
 * ```
 */

/** What the index keeps of one entry: when it was sent and its words. */
export interface IndexedEntry {
  ts: number;
  words: string[];
}

/** The key of one entry under one word. */
export function searchWordKey(room: string, word: string, seq: number): Deno.KvKey {
  return ["search_word", room, word, seq];
}

/** The prefix under which a word's entries in a room live, in seq order. */
export function searchWordPrefix(room: string, word: string): Deno.KvKey {
  return ["search_word", room, word];
}

/** The key of what the index keeps of one entry. */
export function searchEntryKey(room: string, seq: number): Deno.KvKey {
  return ["search_entry", room, seq];
}

/** The key of how far a room's log is indexed. */
export function searchThroughKey(room: string): Deno.KvKey {
  return ["search_through", room];
}

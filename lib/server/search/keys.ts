/**
 * The Deno KV keys of the search index. Everything it writes lives under
 * these three prefixes, apart from the room log's (`../store/keys.ts`).
 *
 * | key | value | why |
 * | --- | --- | --- |
 * | `["search_block", room, word, block]` | {@linkcode PostingBlock} | the entries of a room holding a word whose seqs fall in one span of {@linkcode BLOCK_SPAN} (`block` = ⌊seq / span⌋): a search reads a word's entries newest first a few blocks at a time, thousands of entries in a handful of reads, and skips to a seq by its block; the `ts` orders hits across rooms without reading the entries |
 * | `["search_entry", room, seq]` | {@linkcode IndexedEntry} | the words an entry is indexed under, so an edit or a delete takes it out of exactly those blocks |
 * | `["search_through", room]` | `number`, a seq | how far the room's log is indexed: the catch-up after a restart starts after it; every write of the room's index checks it and writes it, so the writes of a room never interleave |
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * await kv.get(searchThroughKey("general")); // { value: null, ... } until something is indexed
 * ```
 */

/** The seqs one block of a word spans. */
export const BLOCK_SPAN = 128;

/** The entries of one block: seqs rising, each with its entry's `ts`. */
export interface PostingBlock {
  seqs: number[];
  ts: number[];
}

/** What the index keeps of one entry: when it was sent and its words. */
export interface IndexedEntry {
  ts: number;
  words: string[];
}

/** The block of a word's entries that `seq` falls in. */
export function blockOf(seq: number): number {
  return Math.floor(seq / BLOCK_SPAN);
}

/** The key of the block of `word` in `room` numbered `block`. */
export function searchBlockKey(room: string, word: string, block: number): Deno.KvKey {
  return ["search_block", room, word, block];
}

/** The prefix under which the blocks of a word in a room live, in seq order. */
export function searchBlockPrefix(room: string, word: string): Deno.KvKey {
  return ["search_block", room, word];
}

/** The key of what the index keeps of one entry. */
export function searchEntryKey(room: string, seq: number): Deno.KvKey {
  return ["search_entry", room, seq];
}

/** The prefix under which what the index keeps of a room's entries lives, in seq order. */
export function searchEntryPrefix(room: string): Deno.KvKey {
  return ["search_entry", room];
}

/** The key of how far a room's log is indexed. */
export function searchThroughKey(room: string): Deno.KvKey {
  return ["search_through", room];
}

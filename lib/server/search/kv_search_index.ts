/**
 * The search index in Deno KV (keys in `./keys.ts`): per room, each word's
 * entries by seq. A search walks the lists of its words from the newest
 * seq down, all at once, each skipping to the seq the others stand at (a
 * leapfrog join): reads are a page of keys at a time, and a rare word makes
 * the common ones skip, so a query costs about the pages of its rarest word
 * up to the hits it needs, not the size of the room.
 *
 * Writes go in KV transactions that check how far the room is indexed, so
 * two isolates indexing the same room never both write an entry, and that
 * check the entries they change, so an edit never races a delete.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * const index = createKvSearchIndex({ kv });
 * await index.indexLog("general", 0, entries);
 * await index.search({ q: "deploy", rooms: ["general"], limit: 20 });
 * ```
 */
import { entryKind, type Message, SEARCH_LIMIT_MAX } from "../../protocol/mod.ts";
import { utf8Length } from "../limits/mod.ts";
import { retryWhenLocked } from "../store/mod.ts";
import {
  type IndexedEntry,
  searchEntryKey,
  searchThroughKey,
  searchWordKey,
  searchWordPrefix,
} from "./keys.ts";
import {
  newerFirst,
  type SearchHit,
  type SearchIndex,
  type SearchPage,
  type SearchQuery,
} from "./search_index.ts";
import { parseQuery, wordsOf } from "./tokenize.ts";

/** Options of {@linkcode createKvSearchIndex}. */
export interface KvSearchIndexOptions {
  kv: Deno.Kv;
  /** Keys read per page of a word's list. Default 256. */
  pageSize?: number;
  /** Rooms searched at the same time. Default 8. */
  roomsAtOnce?: number;
  /**
   * The most keys one transaction writes (an entry's always fit, up to
   * KV's limit of 1 000): smaller transactions hold the KV writer for less
   * time, so a commit of the log waits less behind the index. Default 200.
   */
  keysPerWrite?: number;
}

// Deno KV refuses a transaction over 1 000 mutations, 100 checks or 80 KiB of
// keys; a chunk of entries stops short of each (an entry alone always fits:
// see WORDS_PER_ENTRY_MAX).
const CHUNK_CHECKS = 90;
const CHUNK_KEY_BYTES = 72_000;
/** How often a write whose checks failed is planned again before giving up. */
const WRITE_ATTEMPTS = 10;

/** The bytes KV counts for a key, over-estimated: its parts plus room for their encoding. */
function keyBytes(key: Deno.KvKey): number {
  let bytes = 0;
  for (const part of key) bytes += (typeof part === "string" ? utf8Length(part) : 8) + 4;
  return bytes;
}

/** The changes of one transaction, counted against KV's limits as they are planned. */
class Chunk {
  readonly #maxKeys: number;
  /** The last change planned for each key (by its JSON): a value to set, or null to delete. */
  readonly #changes = new Map<string, [Deno.KvKey, unknown]>();
  readonly #checks: Deno.AtomicCheck[] = [];
  #keyBytes = 0;

  constructor(maxKeys: number) {
    this.#maxKeys = maxKeys;
  }

  set(key: Deno.KvKey, value: unknown) {
    this.#plan(key, value);
  }
  delete(key: Deno.KvKey) {
    this.#plan(key, null);
  }
  check(entry: Deno.AtomicCheck) {
    this.#checks.push(entry);
  }
  #plan(key: Deno.KvKey, value: unknown) {
    const id = JSON.stringify(key);
    if (!this.#changes.has(id)) this.#keyBytes += keyBytes(key);
    this.#changes.set(id, [key, value]);
  }
  /** Whether this chunk, with `other` added, stays within KV's limits. */
  fitsWith(other: Chunk): boolean {
    return this.#changes.size + other.#changes.size <= this.#maxKeys &&
      this.#checks.length + other.#checks.length <= CHUNK_CHECKS &&
      this.#keyBytes + other.#keyBytes <= CHUNK_KEY_BYTES;
  }
  /** Adds the changes of `later`, which win over this chunk's for the same key. */
  add(later: Chunk) {
    for (const [key, value] of later.#changes.values()) this.#plan(key, value);
    this.#checks.push(...later.#checks);
  }
  async commit(kv: Deno.Kv): Promise<boolean> {
    const op = kv.atomic();
    for (const check of this.#checks) op.check(check);
    for (const [key, value] of this.#changes.values()) {
      if (value === null) op.delete(key);
      else op.set(key, value);
    }
    return (await retryWhenLocked(() => op.commit())).ok;
  }
}

/** Moves entry `seq` from the words of `before` to those of `after` (null: not indexed). */
function planWords(
  chunk: Chunk,
  room: string,
  seq: number,
  before: IndexedEntry | null,
  after: IndexedEntry | null,
) {
  const kept = new Set(after?.words);
  const had = new Set(before?.words);
  for (const word of had) if (!kept.has(word)) chunk.delete(searchWordKey(room, word, seq));
  for (const word of kept) if (!had.has(word)) chunk.set(searchWordKey(room, word, seq), after!.ts);
  if (after) chunk.set(searchEntryKey(room, seq), after);
  else if (before) chunk.delete(searchEntryKey(room, seq));
}

/** A word's entries in a room, newest first, read a page at a time as a search asks. */
class WordCursor {
  readonly #kv: Deno.Kv;
  readonly #room: string;
  readonly #prefix: Deno.KvKey;
  readonly #pageSize: number;
  /** The last page read, newest first: every entry of the word from `#top` down to its end. */
  #page: SearchHit[] = [];
  #top = -1;
  /** Whether the page reaches the word's oldest entry. */
  #complete = false;
  #at = 0;

  constructor(kv: Deno.Kv, room: string, word: string, pageSize: number) {
    this.#kv = kv;
    this.#room = room;
    this.#prefix = searchWordPrefix(room, word);
    this.#pageSize = pageSize;
  }

  /** The word's newest entry at or below `seq` (asked for with seqs that never rise), or null. */
  async atMost(seq: number): Promise<SearchHit | null> {
    if (seq > this.#top || !this.#covers(seq)) await this.#read(seq);
    while (this.#at < this.#page.length && this.#page[this.#at].seq > seq) this.#at++;
    return this.#page[this.#at] ?? null;
  }

  /** Whether the page read holds every entry at or below `seq` that the next page would. */
  #covers(seq: number): boolean {
    const oldest = this.#page.at(-1);
    return this.#complete || (oldest !== undefined && oldest.seq <= seq);
  }

  async #read(seq: number) {
    const page: SearchHit[] = [];
    const listed = this.#kv.list<number>(
      { prefix: this.#prefix, end: [...this.#prefix, seq + 1] },
      { reverse: true, limit: this.#pageSize },
    );
    for await (const { key, value } of listed) {
      page.push({ room: this.#room, seq: key[key.length - 1] as number, ts: value });
    }
    this.#page = page;
    this.#top = seq;
    this.#complete = page.length < this.#pageSize;
    this.#at = 0;
  }
}

/** Creates a {@linkcode SearchIndex} kept in `kv`. */
export function createKvSearchIndex(options: KvSearchIndexOptions): SearchIndex {
  const { kv } = options;
  const pageSize = options.pageSize ?? 256;
  const roomsAtOnce = options.roomsAtOnce ?? 8;
  const keysPerWrite = Math.min(options.keysPerWrite ?? 200, 990);

  const readEntry = (room: string, seq: number) => kv.get<IndexedEntry>(searchEntryKey(room, seq));

  /**
   * Plans the next chunk of `entries` (from `start`) on top of the index
   * standing at `at`: the transaction and the index of the first entry left
   * for the next chunk.
   */
  const planChunk = async (
    room: string,
    at: Deno.KvEntryMaybe<number>,
    entries: readonly Message[],
    start: number,
  ) => {
    const chunk = new Chunk(keysPerWrite);
    chunk.check(at);
    // What this chunk already changed, so a later entry of it sees the change.
    const staged = new Map<number, IndexedEntry | null>();
    const current = async (target: number, plan: Chunk) => {
      if (staged.has(target)) return staged.get(target)!;
      const stored = await readEntry(room, target);
      plan.check(stored);
      return stored.value;
    };
    let next = start;
    for (; next < entries.length; next++) {
      const entry = entries[next];
      const plan = new Chunk(keysPerWrite);
      const changes: [number, IndexedEntry | null][] = [];
      const kind = entryKind(entry);
      if (kind === "text" && entry.text !== undefined) {
        const indexed = { ts: entry.ts, words: wordsOf(entry.text) };
        planWords(plan, room, entry.seq, null, indexed);
        changes.push([entry.seq, indexed]);
      } else if ((kind === "edit" || kind === "delete") && entry.target !== undefined) {
        const before = await current(entry.target, plan);
        if (before) {
          const after = kind === "edit" && entry.text !== undefined
            ? { ts: before.ts, words: wordsOf(entry.text) }
            : null;
          planWords(plan, room, entry.target, before, after);
          changes.push([entry.target, after]);
        }
      }
      if (next > start && !chunk.fitsWith(plan)) break;
      chunk.add(plan);
      for (const [seq, indexed] of changes) staged.set(seq, indexed);
    }
    chunk.set(searchThroughKey(room), entries[next - 1].seq);
    return { chunk, next };
  };

  const indexLog = async (room: string, after: number, entries: readonly Message[]) => {
    const pending = entries.filter((entry) => entry.seq > after).sort((a, b) => a.seq - b.seq);
    let at = after;
    let start = 0;
    let attempts = 0;
    while (start < pending.length) {
      const stored = await kv.get<number>(searchThroughKey(room));
      if ((stored.value ?? 0) !== at) return stored.value ?? 0;
      const { chunk, next } = await planChunk(room, stored, pending, start);
      if (await chunk.commit(kv)) {
        at = pending[next - 1].seq;
        start = next;
        attempts = 0;
      } else if (++attempts >= WRITE_ATTEMPTS) {
        // Entries kept changing under the plan (edits and deletes racing): a later catch-up retries.
        return at;
      }
    }
    return at;
  };

  /** Moves entry `seq` to the words of `text` (null: drops it), if it is indexed. */
  const rewrite = async (room: string, seq: number, text: string | null) => {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const stored = await readEntry(room, seq);
      if (!stored.value) return;
      const chunk = new Chunk(keysPerWrite);
      chunk.check(stored);
      const after = text === null ? null : { ts: stored.value.ts, words: wordsOf(text) };
      planWords(chunk, room, seq, stored.value, after);
      if (await chunk.commit(kv)) return;
    }
    throw new Error(`search index: entry ${seq} of ${room} kept changing; not rewritten`);
  };

  /** Up to `need` hits of `words` in `room` that come after `before`, newest first. */
  const searchRoom = async (
    room: string,
    words: readonly string[],
    need: number,
    before: SearchHit | undefined,
  ): Promise<SearchHit[]> => {
    const cursors = words.map((word) => new WordCursor(kv, room, word, pageSize));
    const hits: SearchHit[] = [];
    let candidate = before?.room === room ? before.seq - 1 : Number.MAX_SAFE_INTEGER;
    while (hits.length < need && candidate >= 0) {
      // Leapfrog: each word's list skips to the newest entry at or below the
      // candidate; one that stands lower lowers the candidate and the round
      // starts again, until every word stands at the same entry: a hit.
      let hit: SearchHit | null = null;
      for (const cursor of cursors) {
        const found = await cursor.atMost(candidate);
        if (!found) return hits;
        if (found.seq < candidate) {
          candidate = found.seq;
          hit = null;
          break;
        }
        hit = found;
      }
      if (!hit) continue;
      if (!before || newerFirst(before, hit) < 0) hits.push(hit);
      candidate--;
    }
    return hits;
  };

  const search = async (query: SearchQuery): Promise<SearchPage> => {
    const parsed = parseQuery(query.q);
    if (!parsed.ok) return parsed;
    const limit = Math.max(1, Math.min(SEARCH_LIMIT_MAX, Math.floor(query.limit)));
    const rooms = [...new Set(query.rooms)];
    const found: SearchHit[] = [];
    for (let start = 0; start < rooms.length; start += roomsAtOnce) {
      const batch = rooms.slice(start, start + roomsAtOnce);
      const results = await Promise.all(
        batch.map((room) => searchRoom(room, parsed.words, limit + 1, query.before)),
      );
      found.push(...results.flat());
    }
    found.sort(newerFirst);
    return { ok: true, hits: found.slice(0, limit), more: found.length > limit };
  };

  return {
    indexLog,
    indexedThrough: async (room) => (await kv.get<number>(searchThroughKey(room))).value ?? 0,
    forget: (room, seq) => rewrite(room, seq, null),
    reindex: (room, seq, text) => rewrite(room, seq, text),
    search,
  };
}

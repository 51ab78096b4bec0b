/**
 * The search index in Deno KV (keys in `./keys.ts`): per room and word, the
 * entries holding it, in blocks of seqs. A search walks the lists of its
 * words from the newest seq down, all at once, each skipping to the seq the
 * others stand at (a leapfrog join), reading a few blocks at a time: two
 * common words that are rarely together cost a few dozen reads over 100 000
 * messages, and a rare word makes the common ones skip.
 *
 * Every write of a room's index (a batch of its log, an edit, a delete)
 * checks and rewrites how far the room is indexed, in one KV transaction: the
 * writes of a room never interleave, two isolates never index the same
 * entries twice, and a block is changed only by the write that read it.
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
import { retryWhenLocked } from "../store/mod.ts";
import {
  BLOCK_SPAN,
  blockOf,
  type IndexedEntry,
  type PostingBlock,
  searchBlockKey,
  searchBlockPrefix,
  searchEntryKey,
  searchEntryPrefix,
  searchThroughKey,
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
  /** Blocks of a word read at a time. Default 16. */
  blocksPerRead?: number;
  /** Rooms searched at the same time. Default 8. */
  roomsAtOnce?: number;
  /**
   * About the most keys one transaction writes (an entry's always fit):
   * smaller transactions hold the KV writer for less time, so a commit of
   * the log waits less behind the index. Default 200.
   */
  keysPerWrite?: number;
}

// Deno KV refuses a transaction of over 1 000 mutations or 800 KiB; a write
// stops short of both, counting each block at its largest.
const MAX_MUTATIONS = 990;
const MAX_VALUE_BYTES = 600_000;
const BLOCK_MAX_BYTES = 40 + 20 * BLOCK_SPAN;
/** How often a write whose check failed is planned again before giving up. */
const WRITE_ATTEMPTS = 10;
/** `getMany` reads at most 10 keys at a time. */
const GET_MANY_LIMIT = 10;

/** Inserts `seq` (with `ts`) into `block`, keeping seqs rising; false if it is there. */
function insertSeq(block: PostingBlock, seq: number, ts: number): boolean {
  let at = block.seqs.length;
  while (at > 0 && block.seqs[at - 1] > seq) at--;
  if (at > 0 && block.seqs[at - 1] === seq) return false;
  block.seqs.splice(at, 0, seq);
  block.ts.splice(at, 0, ts);
  return true;
}

function removeSeq(block: PostingBlock, seq: number): boolean {
  const at = block.seqs.indexOf(seq);
  if (at === -1) return false;
  block.seqs.splice(at, 1);
  block.ts.splice(at, 1);
  return true;
}

/**
 * One write to a room's index: the blocks and entries it reads, changed in
 * memory, then committed in one transaction with the room's indexed seq.
 */
class RoomWrite {
  readonly #kv: Deno.Kv;
  readonly #room: string;
  readonly #blocks = new Map<string, { key: Deno.KvKey; block: PostingBlock; dirty: boolean }>();
  readonly #entries = new Map<number, { value: IndexedEntry | null; dirty: boolean }>();
  #dirtyBlocks = 0;
  #dirtyEntries = 0;
  #entryBytes = 0;

  constructor(kv: Deno.Kv, room: string) {
    this.#kv = kv;
    this.#room = room;
  }

  /** The mutations this write holds so far. */
  get mutations(): number {
    return this.#dirtyBlocks + this.#dirtyEntries + 1;
  }

  /** Whether changing the entries of `words` more words still fits one transaction. */
  fits(words: number): boolean {
    return this.mutations + words + 1 <= MAX_MUTATIONS &&
      (this.#dirtyBlocks + words) * BLOCK_MAX_BYTES + this.#entryBytes <= MAX_VALUE_BYTES;
  }

  /** What the index holds of entry `seq`, as this write has left it. */
  async entry(seq: number): Promise<IndexedEntry | null> {
    const held = this.#entries.get(seq);
    if (held) return held.value;
    const stored = await this.#kv.get<IndexedEntry>(searchEntryKey(this.#room, seq));
    this.#entries.set(seq, { value: stored.value, dirty: false });
    return stored.value;
  }

  /** Moves entry `seq` from the words of `before` to those of `after` (null: not indexed). */
  async move(seq: number, before: IndexedEntry | null, after: IndexedEntry | null) {
    const kept = new Set(after?.words);
    const dropped = (before?.words ?? []).filter((word) => !kept.has(word));
    const added = [...kept].filter((word) => !before?.words.includes(word));
    await this.#load([...dropped, ...added], seq);
    for (const word of dropped) this.#change(word, seq, (block) => removeSeq(block, seq));
    for (const word of added) this.#change(word, seq, (block) => insertSeq(block, seq, after!.ts));
    const held = this.#entries.get(seq);
    if (!held?.dirty) this.#dirtyEntries++;
    this.#entries.set(seq, { value: after, dirty: true });
    this.#entryBytes += after ? 40 + after.words.join(" ").length * 3 : 0;
  }

  #blockId(word: string, seq: number): string {
    return `${blockOf(seq)}\u0000${word}`;
  }

  /** Reads the blocks of `words` at `seq` that this write does not hold yet, ten at a time. */
  async #load(words: string[], seq: number) {
    const missing = words.filter((word) => !this.#blocks.has(this.#blockId(word, seq)));
    for (let start = 0; start < missing.length; start += GET_MANY_LIMIT) {
      const batch = missing.slice(start, start + GET_MANY_LIMIT);
      const keys = batch.map((word) => searchBlockKey(this.#room, word, blockOf(seq)));
      const read = await this.#kv.getMany<PostingBlock[]>(keys);
      batch.forEach((word, i) => {
        const block = read[i].value ?? { seqs: [], ts: [] };
        this.#blocks.set(this.#blockId(word, seq), { key: keys[i], block, dirty: false });
      });
    }
  }

  #change(word: string, seq: number, change: (block: PostingBlock) => boolean) {
    const held = this.#blocks.get(this.#blockId(word, seq))!;
    if (!change(held.block) || held.dirty) return;
    held.dirty = true;
    this.#dirtyBlocks++;
  }

  /** Commits, if the room still stands at `at`, and records it as indexed through `through`. */
  async commit(at: Deno.KvEntryMaybe<number>, through: number): Promise<boolean> {
    const op = this.#kv.atomic().check(at).set(searchThroughKey(this.#room), through);
    for (const { key, block, dirty } of this.#blocks.values()) {
      if (!dirty) continue;
      if (block.seqs.length === 0) op.delete(key);
      else op.set(key, block);
    }
    for (const [seq, { value, dirty }] of this.#entries) {
      if (!dirty) continue;
      const key = searchEntryKey(this.#room, seq);
      if (value) op.set(key, value);
      else op.delete(key);
    }
    return (await retryWhenLocked(() => op.commit())).ok;
  }
}

/** What an entry of the log changes in the index: which entry, from which words to which. */
async function changeOf(write: RoomWrite, entry: Message) {
  const kind = entryKind(entry);
  if (kind === "text" && entry.text !== undefined) {
    const after = { ts: entry.ts, words: wordsOf(entry.text) };
    return { seq: entry.seq, before: null, after };
  }
  if ((kind === "edit" || kind === "delete") && entry.target !== undefined) {
    const before = await write.entry(entry.target);
    if (!before) return null;
    const after = kind === "edit" && entry.text !== undefined
      ? { ts: before.ts, words: wordsOf(entry.text) }
      : null;
    return { seq: entry.target, before, after };
  }
  return null;
}

/** A word's entries in a room, newest first, read a few blocks at a time as a search asks. */
class WordCursor {
  readonly #kv: Deno.Kv;
  readonly #room: string;
  readonly #prefix: Deno.KvKey;
  readonly #blocksPerRead: number;
  /** The last read, newest first: every entry of the word with a seq from `#floor` to `#top`. */
  #page: SearchHit[] = [];
  #top = -1;
  #floor = 0;
  #at = 0;

  constructor(kv: Deno.Kv, room: string, word: string, blocksPerRead: number) {
    this.#kv = kv;
    this.#room = room;
    this.#prefix = searchBlockPrefix(room, word);
    this.#blocksPerRead = blocksPerRead;
  }

  /** The word's newest entry at or below `seq` (asked for with seqs that never rise), or null. */
  async atMost(seq: number): Promise<SearchHit | null> {
    for (;;) {
      if (seq > this.#top || seq < this.#floor) await this.#read(seq);
      while (this.#at < this.#page.length && this.#page[this.#at].seq > seq) this.#at++;
      if (this.#at < this.#page.length) return this.#page[this.#at];
      if (this.#floor === 0) return null;
      seq = this.#floor - 1; // none in what was read: the newest one is below it
    }
  }

  async #read(seq: number) {
    const page: SearchHit[] = [];
    let blocks = 0;
    let lowest = 0;
    const listed = this.#kv.list<PostingBlock>(
      { prefix: this.#prefix, end: [...this.#prefix, blockOf(seq) + 1] },
      { reverse: true, limit: this.#blocksPerRead },
    );
    for await (const { key, value } of listed) {
      blocks++;
      lowest = key[key.length - 1] as number;
      for (let i = value.seqs.length - 1; i >= 0; i--) {
        if (value.seqs[i] <= seq) {
          page.push({ room: this.#room, seq: value.seqs[i], ts: value.ts[i] });
        }
      }
    }
    this.#page = page;
    this.#top = seq;
    this.#floor = blocks < this.#blocksPerRead ? 0 : lowest * BLOCK_SPAN;
    this.#at = 0;
  }
}

/** Creates a {@linkcode SearchIndex} kept in `kv`. */
export function createKvSearchIndex(options: KvSearchIndexOptions): SearchIndex {
  const { kv } = options;
  const blocksPerRead = options.blocksPerRead ?? 16;
  const roomsAtOnce = options.roomsAtOnce ?? 8;
  const keysPerWrite = Math.min(options.keysPerWrite ?? 200, MAX_MUTATIONS);

  const indexLog = async (room: string, after: number, entries: readonly Message[]) => {
    const pending = entries.filter((entry) => entry.seq > after).sort((a, b) => a.seq - b.seq);
    let at = after;
    let start = 0;
    let attempts = 0;
    while (start < pending.length) {
      const stored = await kv.get<number>(searchThroughKey(room));
      if ((stored.value ?? 0) !== at) return stored.value ?? 0;
      const write = new RoomWrite(kv, room);
      let next = start;
      while (next < pending.length && (next === start || write.mutations < keysPerWrite)) {
        const change = await changeOf(write, pending[next]);
        const words = (change?.before?.words.length ?? 0) + (change?.after?.words.length ?? 0);
        if (next > start && !write.fits(words)) break;
        if (change) await write.move(change.seq, change.before, change.after);
        next++;
      }
      if (await write.commit(stored, pending[next - 1].seq)) {
        at = pending[next - 1].seq;
        start = next;
        attempts = 0;
      } else if (++attempts >= WRITE_ATTEMPTS) {
        // Others kept writing the room under this plan: a later catch-up continues.
        return at;
      }
    }
    return at;
  };

  /** Moves entry `seq` to the words of `text` (null: drops it), if it is indexed. */
  const rewrite = async (room: string, seq: number, text: string | null) => {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const stored = await kv.get<number>(searchThroughKey(room));
      const write = new RoomWrite(kv, room);
      const before = await write.entry(seq);
      if (!before) return;
      const after = text === null ? null : { ts: before.ts, words: wordsOf(text) };
      await write.move(seq, before, after);
      if (await write.commit(stored, stored.value ?? 0)) return;
    }
    throw new Error(`search index: ${room} kept changing; entry ${seq} not rewritten`);
  };

  /** Drops the entries of `room` up to `through`, as many per transaction as fit. */
  const forgetThrough = async (room: string, through: number) => {
    for (let attempts = 0; attempts < WRITE_ATTEMPTS;) {
      const stored = await kv.get<number>(searchThroughKey(room));
      const write = new RoomWrite(kv, room);
      const old = kv.list<IndexedEntry>(
        { prefix: searchEntryPrefix(room), end: searchEntryKey(room, through + 1) },
        { limit: keysPerWrite },
      );
      let dropped = 0;
      for await (const { key, value } of old) {
        if (dropped > 0 && (write.mutations >= keysPerWrite || !write.fits(value.words.length))) {
          break;
        }
        await write.move(key[key.length - 1] as number, value, null);
        dropped++;
      }
      if (dropped === 0) return;
      if (await write.commit(stored, stored.value ?? 0)) attempts = 0;
      else attempts++;
    }
    throw new Error(`search index: ${room} kept changing; entries not forgotten`);
  };

  /** Up to `need` hits of `words` in `room` that come after `before`, newest first. */
  const searchRoom = async (
    room: string,
    words: readonly string[],
    need: number,
    before: SearchHit | undefined,
  ): Promise<SearchHit[]> => {
    const cursors = words.map((word) => new WordCursor(kv, room, word, blocksPerRead));
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
    forgetThrough,
    search,
  };
}

/**
 * What every search index offers (the Deno KV one here, PostgreSQL's
 * full-text search later), and what the contract tests in
 * `tests/contracts/search_index.ts` hold each engine to.
 *
 * An index follows a room's log: it is handed the log's entries in seq order
 * (text entries add their words, edits change them, deletes drop them) and
 * remembers how far it got, so that after a restart it continues from there.
 * A search finds text entries containing every word of a query, newest first,
 * in the rooms the caller says the asker may read; it answers with where the
 * entries are (room and seq), and the caller reads them from the log, so
 * an index never serves a text the log no longer has.
 *
 * @example
 * ```ts
 * const through = await index.indexLog("general", 0, entries);
 * const page = await index.search({ q: "deploy friday", rooms: ["general"], limit: 20 });
 * if (page.ok) for (const hit of page.hits) console.log(hit.room, hit.seq);
 * ```
 */
import type { Message } from "../../protocol/mod.ts";

/** Where a found entry is, and when it was sent (results are ordered by it). */
export interface SearchHit {
  room: string;
  seq: number;
  ts: number;
}

/**
 * What to search for. Results are ordered newest first by `ts`, then `room`,
 * then `seq` (all descending); `before` is the last hit of the page before,
 * and asks for the hits after it in that order. Within a room, seq order is
 * taken for time order: the log stamps `ts` as it commits, in seq order.
 */
export interface SearchQuery {
  q: string;
  /** The rooms the asker may read (the caller's access check decides). */
  rooms: Iterable<string>;
  /** At most this many hits (1 to `SEARCH_LIMIT_MAX`; clamped). */
  limit: number;
  before?: SearchHit;
}

/** A page of hits, or why the query cannot be searched for (`parseQuery`). */
export type SearchPage =
  | { ok: true; hits: SearchHit[]; more: boolean }
  | { ok: false; message: string };

/** A search index of rooms' logs. */
export interface SearchIndex {
  /**
   * Indexes `entries`, the log entries of `room` after seq `after`, in seq
   * order (seqs the log no longer has may be missing). Text entries add their
   * words; edits replace their target's; deletes drop their target's; a
   * reaction changes nothing. Writes nothing unless the index stands at
   * exactly `after` in `room` (another writer got there first, or the entries
   * are not the next ones); answers the seq it stands at after.
   */
  indexLog(room: string, after: number, entries: readonly Message[]): Promise<number>;
  /** The seq of `room`'s log the index has indexed through (0 before any). */
  indexedThrough(room: string): Promise<number>;
  /** Drops the words of entry `seq` (it was deleted). */
  forget(room: string, seq: number): Promise<void>;
  /** Indexes entry `seq` under the words of `text` instead (it was edited); nothing if not indexed. */
  reindex(room: string, seq: number, text: string): Promise<void>;
  /**
   * Drops every entry of `room` up to seq `through`: the log keeps a room's
   * newest entries only (`ROOM_HISTORY_MAX`), and the index follows it.
   */
  forgetThrough(room: string, through: number): Promise<void>;
  /** Text entries containing every word of `query.q`, newest first. */
  search(query: SearchQuery): Promise<SearchPage>;
}

/**
 * Whether hit `a` comes before hit `b` in the results' order (newer first):
 * by `ts`, then `room`, then `seq`, all descending.
 *
 * @example
 * ```ts
 * newerFirst({ room: "a", seq: 2, ts: 5 }, { room: "b", seq: 9, ts: 4 }); // < 0
 * ```
 */
export function newerFirst(a: SearchHit, b: SearchHit): number {
  if (a.ts !== b.ts) return b.ts - a.ts;
  if (a.room !== b.room) return a.room < b.room ? 1 : -1;
  return b.seq - a.seq;
}

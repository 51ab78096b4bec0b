/**
 * Search on PostgreSQL: its own full-text search over the log's rows, rather
 * than an index of our own. The log keeps each text entry in its present
 * state (edits folded in, a deleted entry's text gone: `../store`), so a GIN
 * index on `to_tsvector('simple', text)` (migration `log_search`) follows
 * every edit and delete in the same transaction as the change, and the
 * index's write methods have nothing to do. The query's words are checked
 * and bounded as with KV (`parseQuery`), then handed to `plainto_tsquery`:
 * an entry must hold every one of them. PostgreSQL's `simple` configuration
 * splits and folds words by its own parser (lower case, no stemming), which
 * may cut some words otherwise than `tokenize.ts` does.
 *
 * @example
 * ```ts
 * const index = createPgSearchIndex(sql);
 * await index.search({ q: "deploy friday", rooms: ["general"], limit: 20 });
 * ```
 */
import { SEARCH_LIMIT_MAX } from "../../protocol/mod.ts";
import type { Sql } from "../postgres/mod.ts";
import type { SearchIndex } from "./search_index.ts";
import { parseQuery } from "./tokenize.ts";

/** A {@linkcode SearchIndex} over the PostgreSQL log of `sql` (migrated). */
export function createPgSearchIndex(sql: Sql): SearchIndex {
  const head = async (room: string) => {
    const [row] = await sql<{ head: number }[]>`select head from room_heads where room = ${room}`;
    return Number(row?.head ?? 0);
  };
  return {
    // The log's rows are the index: writing them indexed them.
    indexLog: (_room, after, entries) => Promise.resolve(entries.at(-1)?.seq ?? after),
    indexedThrough: head,
    forget: () => Promise.resolve(),
    reindex: () => Promise.resolve(),
    forgetThrough: () => Promise.resolve(),

    async search({ q, rooms, limit, before }) {
      const parsed = parseQuery(q);
      if (!parsed.ok) return parsed;
      const size = Math.max(1, Math.min(limit, SEARCH_LIMIT_MAX));
      const after = before === undefined
        ? sql``
        : sql`and (ts, room, seq) < (${before.ts}::bigint, ${before.room}, ${before.seq}::bigint)`;
      const rows = await sql<{ room: string; seq: number; ts: number }[]>`
        select room, seq, ts from room_messages
        where room = any(${[...rooms]}::text[]) and text is not null
          and coalesce(entry ->> 'kind', 'text') = 'text'
          and to_tsvector('simple', text) @@ plainto_tsquery('simple', ${parsed.words.join(" ")})
          ${after}
        order by ts desc, room desc, seq desc
        limit ${size + 1}`;
      const hits = rows.slice(0, size).map((row) => ({
        room: row.room,
        seq: Number(row.seq),
        ts: Number(row.ts),
      }));
      return { ok: true, hits, more: rows.length > size };
    },
  };
}

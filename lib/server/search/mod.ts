/**
 * Search over the rooms' logs: the tokenizer (`tokenize.ts`: which words a
 * text holds and a query asks for, within bounds), the index's interface
 * (`search_index.ts`), its Deno KV engine (`kv_search_index.ts`, keys in
 * `keys.ts`), and the indexer that feeds it committed entries off the ack
 * path and catches up from the log after a restart (`indexer.ts`). Which rooms
 * an asker may read is the caller's to say.
 *
 * On PostgreSQL, its full-text search over the log's rows stands in for the
 * index (`pg_search_index.ts`).
 *
 * Imports `../store`, `../limits` and `../postgres` only (besides `lib/protocol` and `lib/time`).
 *
 * @example
 * ```ts
 * import { createKvSearchIndex, createSearchIndexer } from "./mod.ts";
 * const index = createKvSearchIndex({ kv });
 * const indexer = createSearchIndexer({ index, readLog, clock, log });
 * indexer.indexCommitted("general", committed);
 * await index.search({ q: "deploy friday", rooms: readable, limit: 20 });
 * ```
 */
export * from "./indexer.ts";
export * from "./keys.ts";
export * from "./kv_search_index.ts";
export * from "./pg_search_index.ts";
export * from "./search_index.ts";
export * from "./tokenize.ts";

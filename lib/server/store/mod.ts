/**
 * The room log (atomic, gap-free seqs, idempotent sends, history and resume;
 * see `message_store.ts` for the guarantees) in Deno KV (`keys.ts` for the
 * layout) or in PostgreSQL (`pg_message_store.ts`), both grouping commits per
 * room (`commit_queue.ts`), cutting pages alike (`page_reader.ts`) and serving
 * history, resume and ranges alike (`log_reads.ts`); and
 * the retry every module that writes to KV wraps its writes in (`kv_retry.ts`);
 * small reads made together (`batched_gets.ts`).
 *
 * Imports `../limits` and `../postgres` (besides `lib/protocol` and `lib/time`).
 *
 * @example
 * ```ts
 * import { createMessageStore, retryWhenLocked } from "./mod.ts";
 * const kv = await Deno.openKv(":memory:");
 * const store = createMessageStore(kv, { historyMax: 10_000, clock: createSystemClock() });
 * await retryWhenLocked(() => kv.set(["greeting"], "hello"));
 * ```
 */
export * from "./batched_gets.ts";
export * from "./keys.ts";
export * from "./kv_retry.ts";
export * from "./message_store.ts";
export * from "./pg_message_store.ts";

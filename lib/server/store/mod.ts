/**
 * Deno KV as the server keeps its data there: the room log (atomic, gap-free
 * seqs, idempotent sends, history and resume; see `message_store.ts` for the
 * guarantees and `keys.ts` for the layout), and the retry every module that
 * writes to KV wraps its writes in (`kv_retry.ts`).
 *
 * Imports `../limits` only (besides `lib/protocol` and `lib/time`).
 *
 * @example
 * ```ts
 * import { createMessageStore, retryWhenLocked } from "./mod.ts";
 * const kv = await Deno.openKv(":memory:");
 * const store = createMessageStore(kv, { historyMax: 10_000, clock: createSystemClock() });
 * await retryWhenLocked(() => kv.set(["greeting"], "hello"));
 * ```
 */
export * from "./keys.ts";
export * from "./kv_retry.ts";
export * from "./message_store.ts";

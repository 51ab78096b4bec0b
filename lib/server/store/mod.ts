/**
 * The room log in Deno KV: atomic, gap-free seqs, idempotent sends, history and
 * resume. See `message_store.ts` for the guarantees and `keys.ts` for the layout.
 *
 * @example
 * ```ts
 * import { createMessageStore } from "./mod.ts";
 * const store = createMessageStore(await Deno.openKv(":memory:"), {
 *   historyMax: 10_000,
 *   clock: createSystemClock(),
 * });
 * ```
 */
export * from "./keys.ts";
export * from "./message_store.ts";

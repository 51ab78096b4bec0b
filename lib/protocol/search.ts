/**
 * The bounds of a `search` (second edition), as plain values: the zod schema
 * (`./frames.ts`) and the server's query parser read them here, so a query
 * the schema lets through is one the server can answer within its budget.
 *
 * @example
 * ```ts
 * SEARCH_QUERY_MAX_CHARS; // 200
 * ```
 */

/** The longest `q`, in UTF-16 units. */
export const SEARCH_QUERY_MAX_CHARS = 200;

/** The most words of `q` that count; a query with more is refused, not cut. */
export const SEARCH_WORDS_MAX = 8;

/** The most results one `search_results` carries (`limit`'s maximum). */
export const SEARCH_LIMIT_MAX = 50;

/** The results a `search` without `limit` gets. */
export const SEARCH_LIMIT_DEFAULT = 20;

/**
 * The words of a text, as the search index keeps them and a query asks for
 * them: runs of letters, marks, digits and `_` (any script), case-folded
 * (NFKC, then lower case), each at most {@linkcode WORD_MAX_CHARS} long,
 * each once. Both sides cut the same way, so a query word finds what the
 * index holds under it.
 *
 * @example
 * ```ts
 * wordsOf("Déploiement FRIDAY, déploiement!"); // ["déploiement", "friday"]
 * parseQuery("friday deploy"); // { ok: true, words: ["friday", "deploy"] }
 * parseQuery("?!"); // { ok: false, message: "q has no words to search for" }
 * ```
 */
import { SEARCH_QUERY_MAX_CHARS, SEARCH_WORDS_MAX } from "../../protocol/mod.ts";

/**
 * Longer words are kept (and asked for) by their first this many UTF-16
 * units: an identifier or a URL's path is found by its start.
 */
export const WORD_MAX_CHARS = 32;

/**
 * The most distinct words an entry is indexed under: a text of the longest
 * allowed length written to bloat the index costs no more than this many
 * keys (and an edit's keys, old and new, fit one KV transaction); its later
 * words are not searchable.
 */
export const WORDS_PER_ENTRY_MAX = 128;

const WORD = /[\p{L}\p{M}\p{N}_]+/gu;

/**
 * The distinct words of `text`, in the order they first appear, at most
 * `max` of them. Linear in the text's length.
 *
 * @example
 * ```ts
 * wordsOf("a b a", 1); // ["a"]
 * ```
 */
export function wordsOf(text: string, max = WORDS_PER_ENTRY_MAX): string[] {
  const words = new Set<string>();
  for (const [match] of text.normalize("NFKC").matchAll(WORD)) {
    words.add(match.toLowerCase().slice(0, WORD_MAX_CHARS));
    if (words.size >= max) break;
  }
  return [...words];
}

/** A query's words, or why it cannot be searched for. */
export type ParsedQuery =
  | { ok: true; words: string[] }
  | { ok: false; message: string };

/**
 * The words a search asks for: every one must be in an entry for it to be
 * found. A query longer than the protocol allows, without words, or with
 * more than {@linkcode SEARCH_WORDS_MAX} distinct words is refused.
 *
 * @example
 * ```ts
 * parseQuery("a b c d e f g h i"); // { ok: false, message: "q has more than 8 words" }
 * ```
 */
export function parseQuery(q: string): ParsedQuery {
  if (q.length > SEARCH_QUERY_MAX_CHARS) {
    return { ok: false, message: `q has more than ${SEARCH_QUERY_MAX_CHARS} characters` };
  }
  const words = wordsOf(q, SEARCH_WORDS_MAX + 1);
  if (words.length === 0) return { ok: false, message: "q has no words to search for" };
  if (words.length > SEARCH_WORDS_MAX) {
    return { ok: false, message: `q has more than ${SEARCH_WORDS_MAX} words` };
  }
  return { ok: true, words };
}

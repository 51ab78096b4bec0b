/**
 * PostgreSQL's `text` holds neither U+0000 nor a lone UTF-16 surrogate, and
 * a JavaScript string may hold both (a message's text, a client's cid). Such
 * a string is stored as U+FFFF followed by its JSON, which escapes them; so
 * is any string that starts with U+FFFF, so that decoding is never ambiguous.
 * Every other string, nearly all of them, is stored as it is.
 *
 * @example
 * ```ts
 * encodeText("hi"); // "hi"
 * encodeText("a\u0000b"); // "\uffff\"a\\u0000b\""
 * decodeText(encodeText("a\u0000b")); // "a\u0000b"
 * ```
 */

const MARK = "\uffff";

/** `text` as a PostgreSQL `text` can hold it. */
export function encodeText(text: string): string {
  if (text.isWellFormed() && !text.includes("\u0000") && !text.startsWith(MARK)) return text;
  return MARK + JSON.stringify(text);
}

/** The string {@linkcode encodeText} was given. */
export function decodeText(stored: string): string {
  return stored.startsWith(MARK) ? JSON.parse(stored.slice(MARK.length)) : stored;
}

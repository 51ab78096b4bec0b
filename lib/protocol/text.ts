/**
 * How long a message text is, as the contract's `max_text_chars` counts it:
 * in code points, so an emoji or any other character outside the Basic
 * Multilingual Plane counts once, as people count it (a UTF-16 `length`
 * counts it twice). The composer, the client and the server all measure with
 * this one rule, so a text the composer accepts is never refused for length.
 *
 * @example
 * ```ts
 * textLength("hi 👋"); // 4 (its UTF-16 length is 5)
 * const check = checkTextLength("hi 👋", 3);
 * if (!check.ok) console.log(check.message); // "a message has at most 3 characters; this one has 4"
 * ```
 */

/** The outcome of {@linkcode checkTextLength}: the length, and why it is too long if it is. */
export type TextLengthCheck =
  | { ok: true; length: number }
  | { ok: false; length: number; message: string };

/**
 * The length of `text` in code points (a lone surrogate counts as one).
 *
 * @example
 * ```ts
 * textLength("naïve ☕ 🙂"); // 9
 * ```
 */
export function textLength(text: string): number {
  let length = text.length;
  for (let index = 0; index < text.length - 1; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0xd800 || unit > 0xdbff) continue;
    const next = text.charCodeAt(index + 1);
    if (next >= 0xdc00 && next <= 0xdfff) {
      length--;
      index++;
    }
  }
  return length;
}

/**
 * Checks `text` against the `max_text_chars` limit.
 *
 * @example
 * ```ts
 * checkTextLength("hello", 4_000); // { ok: true, length: 5 }
 * ```
 */
export function checkTextLength(text: string, maxChars: number): TextLengthCheck {
  const length = textLength(text);
  if (length <= maxChars) return { ok: true, length };
  return {
    ok: false,
    length,
    message: `a message has at most ${maxChars} characters; this one has ${length}`,
  };
}

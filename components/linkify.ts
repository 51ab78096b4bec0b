/**
 * Finds web links in message text, so a message can show them clickable while
 * everything else stays text. Only `http:` and `https:` URLs become links; a
 * `javascript:` or `data:` "link" is never matched and stays plain text.
 *
 * @example
 * ```ts
 * linkify("see https://deno.com.");
 * // [{ kind: "text", text: "see " },
 * //  { kind: "link", text: "https://deno.com", href: "https://deno.com/" },
 * //  { kind: "text", text: "." }]
 * ```
 */

/** A run of text, or a link to show with its original text. */
export type Segment =
  | { kind: "text"; text: string }
  | { kind: "link"; text: string; href: string };

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that usually ends the sentence, not the URL.
const TRAILING = /[.,;:!?'"*_]+$/;

/** Drops a trailing `)` unless the URL opened a `(` (Wikipedia-style links keep theirs). */
function trimEnd(candidate: string): string {
  let url = candidate.replace(TRAILING, "");
  while (url.endsWith(")") && count(url, "(") < count(url, ")")) {
    url = url.slice(0, -1).replace(TRAILING, "");
  }
  return url;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/**
 * The normalized href of `text` if it is a well-formed http(s) URL with a
 * host; null for anything else (`javascript:`, `data:`, relative paths).
 *
 * @example
 * ```ts
 * safeHref("https://deno.com"); // "https://deno.com/"
 * safeHref("javascript:alert(1)"); // null
 * ```
 */
export function safeHref(text: string): string | null {
  try {
    const url = new URL(text);
    if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

/** Splits `text` into text and link segments; joined, their texts give back `text`. */
export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  const pushText = (end: number) => {
    if (end > last) segments.push({ kind: "text", text: text.slice(last, end) });
  };
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const url = trimEnd(match[0]);
    const href = safeHref(url);
    if (!href) continue;
    pushText(match.index);
    segments.push({ kind: "link", text: url, href });
    last = match.index + url.length;
  }
  pushText(text.length);
  return segments;
}

/**
 * The markdown of messages: a small subset, parsed into a tree that the
 * message component renders as Preact elements, so no text ever becomes
 * HTML. Raw HTML is text like any other.
 *
 * Blocks: paragraphs (single line breaks kept), fenced code blocks (```),
 * block quotes (`>`, nested up to {@linkcode MAX_QUOTE_DEPTH}), and lists
 * (`-`, `*`, `+`, or `1.` / `1)`), one line per item. Inline: `code`,
 * **strong** (or __strong__), *emphasis* (or _emphasis_, not inside a word,
 * so snake_case stays), ~~strike~~, and [links](https://…) to http and
 * https addresses only; a backslash makes the next punctuation literal.
 * Bare URLs are found later, in the text leaves (`./linkify.ts`).
 *
 * The work is bounded: every pass is linear in the text, with nesting
 * capped ({@linkcode MAX_INLINE_DEPTH}, {@linkcode MAX_QUOTE_DEPTH}) and a
 * link's address cut at {@linkcode MAX_URL_CHARS}; past
 * {@linkcode MAX_MARKDOWN_CHARS} the text is one plain paragraph.
 *
 * A kept library was weighed first: `marked` 18.3 alone is 15 KB of
 * brotli (16.6 KB of gzip) JavaScript, which the chat page's 40 KB budget
 * has no room for (the page is at 37 KB in gzip), and it renders to an HTML
 * string; this subset adds about 2 KB.
 *
 * @example
 * ```ts
 * parseMarkdown("**hi** `x`");
 * // [{ type: "paragraph", children: [
 * //   { type: "strong", children: [{ type: "text", text: "hi" }] },
 * //   { type: "text", text: " " }, { type: "code", text: "x" } ] }]
 * ```
 */
import { safeHref } from "./linkify.ts";

/** Inline content. */
export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong" | "em" | "strike"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] };

/** Block content. */
export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "code_block"; text: string }
  | { type: "quote"; children: Block[] }
  | { type: "list"; ordered: boolean; start: number; items: Inline[][] };

/** Longer texts are shown as they are, without markdown. */
export const MAX_MARKDOWN_CHARS = 20_000;
/** Emphasis and links nest at most this deep; deeper markers are text. */
export const MAX_INLINE_DEPTH = 8;
/** Block quotes nest at most this deep; deeper `>` are text. */
export const MAX_QUOTE_DEPTH = 3;
/** A link's address is at most this long. */
export const MAX_URL_CHARS = 2_048;

// ---- inline ----------------------------------------------------------------

type Kind = "strong" | "em" | "strike" | "link";

/** An opened span waiting for its closer, with what it holds so far. */
interface Frame {
  kind: Kind | "root";
  /** The marker as written (`**`, `_`, `[` …), put back as text if never closed. */
  marker: string;
  children: Inline[];
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const SPACE = /\s/u;
const LINK_TAIL = new RegExp(String.raw`\]\(([^\s()]{1,${MAX_URL_CHARS}})\)`, "y");

function pushText(children: Inline[], text: string) {
  const last = children.at(-1);
  if (last?.type === "text") last.text += text;
  else if (text !== "") children.push({ type: "text", text });
}

/** For each backtick run (by start), where its closing run of the same length starts. */
function codeSpans(text: string): Map<number, number> {
  const runs: [start: number, length: number][] = [];
  for (let i = 0; i < text.length;) {
    if (text[i] === "\\" && PUNCTUATION.test(text[i + 1] ?? "")) {
      i += 2; // an escaped backtick opens nothing
      continue;
    }
    if (text[i] !== "`") {
      i++;
      continue;
    }
    let end = i;
    while (text[end] === "`") end++;
    runs.push([i, end - i]);
    i = end;
  }
  const spans = new Map<number, number>();
  const open = new Map<number, number>();
  for (const [start, length] of runs) {
    const opener = open.get(length);
    if (opener === undefined) open.set(length, start);
    else {
      spans.set(opener, start);
      open.delete(length);
    }
  }
  return spans;
}

/** The markers a run of `length` × `char` stands for: `**` then `*` for three; none past that. */
function markersOf(char: string, length: number): string[] {
  if (char === "~") return length === 2 ? ["~~"] : [];
  if (length <= 2) return [char.repeat(length)];
  return length === 3 ? [char.repeat(2), char] : [];
}

/**
 * Inline markdown of one block's text. One pass: markers open frames on a
 * stack (at most {@linkcode MAX_INLINE_DEPTH}); a closer finds its opener
 * among them, and the frames it skips go back to being text.
 */
export function parseInline(text: string): Inline[] {
  const root: Frame = { kind: "root", marker: "", children: [] };
  const stack: Frame[] = [root];
  const spans = codeSpans(text);
  const top = () => stack[stack.length - 1];

  /** Closes frames down to `index` (those above it become text) and returns it, popped. */
  const unwindTo = (index: number): Frame => {
    while (stack.length - 1 > index) dissolve(stack.pop()!);
    return stack.pop()!;
  };
  /** Puts a frame that never closed back as text: its marker, then what it held. */
  const dissolve = (frame: Frame) => {
    const into = top().children;
    pushText(into, frame.marker);
    for (const child of frame.children) {
      if (child.type === "text") pushText(into, child.text);
      else into.push(child);
    }
  };
  const findOpen = (kind: Kind, marker: string) => {
    for (let index = stack.length - 1; index > 0; index--) {
      if (stack[index].kind === kind && stack[index].marker === marker) return index;
    }
    return -1;
  };

  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === "\\" && PUNCTUATION.test(text[i + 1] ?? "")) {
      pushText(top().children, text[i + 1]);
      i += 2;
      continue;
    }
    if (char === "`") {
      let end = i;
      while (text[end] === "`") end++;
      const close = spans.get(i);
      if (close === undefined) pushText(top().children, text.slice(i, end));
      else {
        const inner = text.slice(end, close);
        // One space each side is padding (so a span can start with a backtick), unless all is space.
        const trimmed = /^ .* $/s.test(inner) && inner.trim() !== "" ? inner.slice(1, -1) : inner;
        top().children.push({ type: "code", text: trimmed });
        end = close + (end - i);
      }
      i = end;
      continue;
    }
    if (char === "[") {
      if (stack.length <= MAX_INLINE_DEPTH && findOpen("link", "[") === -1) {
        stack.push({ kind: "link", marker: "[", children: [] });
      } else pushText(top().children, char);
      i++;
      continue;
    }
    if (char === "]") {
      const opener = findOpen("link", "[");
      LINK_TAIL.lastIndex = i;
      const tail = opener === -1 ? null : LINK_TAIL.exec(text);
      const href = tail ? safeHref(tail[1]) : null;
      if (tail && href) {
        const frame = unwindTo(opener);
        top().children.push({ type: "link", href, children: frame.children });
        i += tail[0].length;
      } else {
        pushText(top().children, char);
        i++;
      }
      continue;
    }
    if (char === "*" || char === "_" || (char === "~" && text[i + 1] === "~")) {
      let end = i;
      while (text[end] === char) end++;
      const run = text.slice(i, end);
      const before = text[i - 1] ?? " ";
      const after = text[end] ?? " ";
      // Flanking, as CommonMark has it, simplified: a marker opens before a
      // non-space and closes after one; `_` never inside a word.
      let canOpen = !SPACE.test(after);
      let canClose = !SPACE.test(before);
      if (char === "_") {
        canOpen &&= !WORD_CHAR.test(before);
        canClose &&= !WORD_CHAR.test(after);
      }
      const markers = markersOf(char, run.length);
      if (markers.length === 0) {
        pushText(top().children, run);
        i = end;
        continue;
      }
      // A closing "***" closes the inner of its two openers first.
      if (
        canClose && markers.length === 2 && findOpen("em", char) > findOpen("strong", run.slice(1))
      ) {
        markers.reverse();
      }
      for (const marker of markers) {
        const kind: Kind = marker === "~~" ? "strike" : marker.length === 2 ? "strong" : "em";
        const opener = canClose ? findOpen(kind, marker) : -1;
        if (opener !== -1 && (opener < stack.length - 1 || top().children.length > 0)) {
          const frame = unwindTo(opener);
          top().children.push({ type: kind as "strong", children: frame.children });
        } else if (canOpen && stack.length <= MAX_INLINE_DEPTH) {
          stack.push({ kind, marker, children: [] });
        } else {
          pushText(top().children, marker);
        }
      }
      i = end;
      continue;
    }
    // Plain text up to the next character that may mean something.
    let end = i + 1;
    while (end < text.length && !/[\\`[\]*_~]/.test(text[end])) end++;
    pushText(top().children, text.slice(i, end));
    i = end;
  }
  unwindTo(0);
  return root.children;
}

// ---- blocks ----------------------------------------------------------------

const FENCE = /^ {0,3}```/;
const FENCE_END = /^ {0,3}```\s*$/;
const QUOTE = /^ {0,3}> ?/;
const BULLET = /^ {0,3}[-*+][ \t]+(.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)][ \t]+(.*)$/;
const BLANK = /^\s*$/;

/** Whether `line` starts a block other than a paragraph. */
function startsBlock(line: string, quoteDepth: number): boolean {
  return FENCE.test(line) || BULLET.test(line) || NUMBERED.test(line) ||
    (quoteDepth < MAX_QUOTE_DEPTH && QUOTE.test(line));
}

function parseBlocks(lines: readonly string[], quoteDepth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (BLANK.test(line)) {
      i++;
    } else if (FENCE.test(line)) {
      let end = i + 1;
      while (end < lines.length && !FENCE_END.test(lines[end])) end++;
      blocks.push({ type: "code_block", text: lines.slice(i + 1, end).join("\n") });
      i = end + 1;
    } else if (quoteDepth < MAX_QUOTE_DEPTH && QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(lines[i++].replace(QUOTE, ""));
      blocks.push({ type: "quote", children: parseBlocks(quoted, quoteDepth + 1) });
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      const ordered = !BULLET.test(line);
      const pattern = ordered ? NUMBERED : BULLET;
      const items: Inline[][] = [];
      const start = ordered ? Number(NUMBERED.exec(line)![1]) : 1;
      let match: RegExpExecArray | null;
      while (i < lines.length && (match = pattern.exec(lines[i]))) {
        items.push(parseInline(match[ordered ? 2 : 1]));
        i++;
      }
      blocks.push({ type: "list", ordered, start, items });
    } else {
      const paragraph = [line];
      i++;
      while (i < lines.length && !BLANK.test(lines[i]) && !startsBlock(lines[i], quoteDepth)) {
        paragraph.push(lines[i++]);
      }
      blocks.push({ type: "paragraph", children: parseInline(paragraph.join("\n")) });
    }
  }
  return blocks;
}

/**
 * The blocks of a message's markdown. Never throws; a text over
 * {@linkcode MAX_MARKDOWN_CHARS} is one plain paragraph.
 *
 * @example
 * ```ts
 * parseMarkdown("> quoted\n\n- one\n- two");
 * // [{ type: "quote", children: [{ type: "paragraph", … }] },
 * //  { type: "list", ordered: false, start: 1, items: [[…], […]] }]
 * ```
 */
export function parseMarkdown(text: string): Block[] {
  if (text.length > MAX_MARKDOWN_CHARS) {
    return [{ type: "paragraph", children: [{ type: "text", text }] }];
  }
  return parseBlocks(text.replace(/\r\n?/g, "\n").split("\n"), 0);
}

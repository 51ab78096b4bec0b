/**
 * The markdown of messages: a small subset, parsed into a tree of the
 * elements to show (their tag names are the parser's, never the text's) that
 * the message component renders as Preact elements, so no text ever becomes
 * HTML. Raw HTML is text like any other.
 *
 * Blocks: paragraphs (single line breaks kept), fenced code blocks (```),
 * block quotes (`>`, nested up to {@linkcode MAX_QUOTE_DEPTH}), and lists
 * (`-`, `*`, `+`, or `1.` / `1)`, numbered from 1), one line per item. Inline: `code`,
 * **strong**, *emphasis*, ~~strike~~, and [links](https://…) to http and
 * https addresses only; a backslash makes the next punctuation literal.
 * Underscores are text (snake_case and __init__ stay as written), and so
 * are runs of three or more `*`.
 * Bare URLs are found later, in the text leaves (`./linkify.ts`).
 *
 * The work is bounded: every pass is linear in the text (a text is at
 * most `max_text_chars` long), with nesting capped
 * ({@linkcode MAX_INLINE_DEPTH}, {@linkcode MAX_QUOTE_DEPTH}).
 *
 * A kept library was weighed first: `marked` 18.3 alone is 15 KB of
 * brotli (16.6 KB of gzip) JavaScript, which the chat page's 40 KB budget
 * has no room for (the page is at 37 KB in gzip), and it renders to an HTML
 * string; this subset adds about 1.5 KB.
 *
 * @example
 * ```ts
 * parseMarkdown("**hi** `x`");
 * // [{ tag: "p", children: [
 * //   { tag: "strong", children: ["hi"] }, " ", { tag: "code", children: ["x"] } ] }]
 * ```
 */
import { safeHref } from "./linkify.ts";

/** The elements markdown becomes: the only tags a message ever renders. */
export type MarkdownTag =
  | "p"
  | "pre"
  | "code"
  | "blockquote"
  | "ul"
  | "ol"
  | "li"
  | "strong"
  | "em"
  | "del"
  | "a";

/** An element: its tag, what it holds, and a link's `href`. */
export interface MarkdownElement {
  tag: MarkdownTag;
  children: MarkdownNode[];
  href?: string;
}

/** Text, or an element. */
export type MarkdownNode = string | MarkdownElement;

/** Emphasis and links nest at most this deep; deeper markers are text. */
export const MAX_INLINE_DEPTH = 8;
/** Block quotes nest at most this deep; deeper `>` are text. */
export const MAX_QUOTE_DEPTH = 3;

// ---- inline ----------------------------------------------------------------

type Kind = "strong" | "em" | "del" | "a";

/** An opened span waiting for its closer, with what it holds so far. */
interface Frame {
  kind: Kind | "root";
  /** The marker as written (`**`, `~~`, `[` …), put back as text if never closed. */
  marker: string;
  children: MarkdownNode[];
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const SPACE = /\s/;
// A link's tail, tried only where "](" stands: its address stops at the next
// space or parenthesis, so no two tries read the same characters.
const LINK_TAIL = /\]\(([^\s()]+)\)/y;

function pushText(children: MarkdownNode[], text: string) {
  if (typeof children.at(-1) === "string") children[children.length - 1] += text;
  else if (text !== "") children.push(text);
}

/**
 * Inline markdown of one block's text. One pass: markers open frames on a
 * stack (at most {@linkcode MAX_INLINE_DEPTH}); a closer finds its opener
 * among them, and the frames it skips go back to being text.
 */
export function parseInline(text: string): MarkdownNode[] {
  const root: Frame = { kind: "root", marker: "", children: [] };
  const stack: Frame[] = [root];
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
      if (typeof child === "string") pushText(into, child);
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
      // Up to the next backtick; without one, no later backtick closes either: linear.
      const close = text.indexOf("`", i + 1);
      if (close > i + 1) {
        top().children.push({ tag: "code", children: [text.slice(i + 1, close)] });
        i = close + 1;
      } else {
        const end = close === -1 ? i + 1 : close + 1;
        pushText(top().children, text.slice(i, end));
        i = end;
      }
      continue;
    }
    if (char === "[") {
      if (stack.length <= MAX_INLINE_DEPTH && findOpen("a", "[") === -1) {
        stack.push({ kind: "a", marker: "[", children: [] });
      } else pushText(top().children, char);
      i++;
      continue;
    }
    if (char === "]") {
      const opener = findOpen("a", "[");
      LINK_TAIL.lastIndex = i;
      const tail = opener === -1 ? null : LINK_TAIL.exec(text);
      const href = tail ? safeHref(tail[1]) : null;
      if (tail && href) {
        const frame = unwindTo(opener);
        top().children.push({ tag: "a", href, children: frame.children });
        i += tail[0].length;
      } else {
        pushText(top().children, char);
        i++;
      }
      continue;
    }
    if (char === "*" || (char === "~" && text[i + 1] === "~")) {
      let end = i;
      while (text[end] === char) end++;
      const marker = text.slice(i, end);
      // A marker opens before a non-space and closes after one (CommonMark's
      // flanking, simplified); runs of three or more are text.
      const canOpen = !SPACE.test(text[end] ?? " ");
      const canClose = !SPACE.test(text[i - 1] ?? " ");
      const kind: Kind | null = marker === "~~"
        ? "del"
        : marker === "**"
        ? "strong"
        : marker === "*"
        ? "em"
        : null;
      const opener = kind && canClose ? findOpen(kind, marker) : -1;
      if (kind && opener !== -1 && (opener < stack.length - 1 || top().children.length > 0)) {
        const frame = unwindTo(opener);
        top().children.push({ tag: kind, children: frame.children });
      } else if (kind && canOpen && stack.length <= MAX_INLINE_DEPTH) {
        stack.push({ kind, marker, children: [] });
      } else {
        pushText(top().children, marker);
      }
      i = end;
      continue;
    }
    // Plain text up to the next character that may mean something.
    let end = i + 1;
    while (end < text.length && !/[\\`[\]*~]/.test(text[end])) end++;
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
const NUMBERED = /^ {0,3}\d{1,9}[.)][ \t]+(.*)$/;
const BLANK = /^\s*$/;

/** Whether `line` starts a block other than a paragraph. */
function startsBlock(line: string, quoteDepth: number): boolean {
  return FENCE.test(line) || BULLET.test(line) || NUMBERED.test(line) ||
    (quoteDepth < MAX_QUOTE_DEPTH && QUOTE.test(line));
}

function parseBlocks(lines: readonly string[], quoteDepth: number): MarkdownElement[] {
  const blocks: MarkdownElement[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (BLANK.test(line)) {
      i++;
    } else if (FENCE.test(line)) {
      let end = i + 1;
      while (end < lines.length && !FENCE_END.test(lines[end])) end++;
      const code = lines.slice(i + 1, end).join("\n");
      blocks.push({ tag: "pre", children: [{ tag: "code", children: [code] }] });
      i = end + 1;
    } else if (quoteDepth < MAX_QUOTE_DEPTH && QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(lines[i++].replace(QUOTE, ""));
      blocks.push({ tag: "blockquote", children: parseBlocks(quoted, quoteDepth + 1) });
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      const ordered = !BULLET.test(line);
      const pattern = ordered ? NUMBERED : BULLET;
      const list: MarkdownElement = { tag: ordered ? "ol" : "ul", children: [] };
      let match: RegExpExecArray | null;
      while (i < lines.length && (match = pattern.exec(lines[i]))) {
        list.children.push({ tag: "li", children: parseInline(match[1]) });
        i++;
      }
      blocks.push(list);
    } else {
      const paragraph = [line];
      i++;
      while (i < lines.length && !BLANK.test(lines[i]) && !startsBlock(lines[i], quoteDepth)) {
        paragraph.push(lines[i++]);
      }
      blocks.push({ tag: "p", children: parseInline(paragraph.join("\n")) });
    }
  }
  return blocks;
}

/**
 * The blocks of a message's markdown. Never throws.
 *
 * @example
 * ```ts
 * parseMarkdown("> quoted\n\n- one\n- two");
 * // [{ tag: "blockquote", children: [{ tag: "p", children: ["quoted"] }] },
 * //  { tag: "ul", children: [{ tag: "li", children: ["one"] }, { tag: "li", children: ["two"] }] }]
 * ```
 */
export function parseMarkdown(text: string): MarkdownElement[] {
  return parseBlocks(text.replace(/\r\n?/g, "\n").split("\n"), 0);
}

/**
 * A message's text as one plain line, its markdown markers gone: for places
 * that show a short excerpt rather than the message (search results). Blocks
 * and line breaks become single spaces.
 *
 * @example
 * ```ts
 * markdownPlainText("please read the **release notes**\n- one\n- two");
 * // "please read the release notes one two"
 * ```
 */
export function markdownPlainText(text: string): string {
  const pieces: string[] = [];
  const walk = (nodes: MarkdownNode[]) => {
    for (const node of nodes) {
      if (typeof node === "string") pieces.push(node);
      else {
        walk(node.children);
        // Each block ends with a space so the next one's words do not run into it.
        if (!INLINE_TAGS.has(node.tag)) pieces.push(" ");
      }
    }
  };
  walk(parseMarkdown(text));
  return pieces.join("").replace(/\s+/g, " ").trim();
}

const INLINE_TAGS: ReadonlySet<MarkdownTag> = new Set(["code", "strong", "em", "del", "a"]);

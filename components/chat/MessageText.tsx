import { type ComponentChildren, h } from "preact";
import { useState } from "preact/hooks";
import { linkify } from "../linkify.ts";
import { type MarkdownNode, parseMarkdown } from "../markdown.ts";

/** Texts longer than this, or of more lines, are shown collapsed, with "Show more". */
export const COLLAPSE_CHARS = 700;
export const COLLAPSE_LINES = 12;

/** Whether `text` is long enough to be shown collapsed at first. */
export function isLongText(text: string): boolean {
  return text.length > COLLAPSE_CHARS ||
    text.split("\n", COLLAPSE_LINES + 1).length > COLLAPSE_LINES;
}

/**
 * A node of the markdown tree as an element: its tag comes from the parser,
 * never from the text; text in a link or in code stays text, elsewhere its
 * http(s) URLs become links (`linkify`). Links open apart from the chat and
 * tell the target nothing.
 */
function render(node: MarkdownNode, key: number, plain: boolean): ComponentChildren {
  if (typeof node === "string") {
    if (plain) return node;
    return linkify(node).map((segment, i) =>
      segment.kind === "text" ? segment.text : render(
        { tag: "a", href: segment.href, children: [segment.text] },
        i,
        true,
      )
    );
  }
  const { tag, children, ...attributes } = node;
  const link = tag === "a" ? { target: "_blank", rel: "noopener noreferrer" } : {};
  return h(
    tag,
    { key, ...attributes, ...link },
    children.map((child, i) => render(child, i, plain || tag === "a" || tag === "code")),
  );
}

/**
 * Message text with its markdown (`components/markdown.ts`) rendered as
 * elements: never parsed as HTML, links only to http(s) addresses. A long
 * text is shown collapsed with a "Show more" button.
 */
export function MessageText({ text }: { text: string }) {
  const long = isLongText(text);
  const [expanded, setExpanded] = useState(false);
  const collapsed = long && !expanded;
  return (
    <>
      <div class={collapsed ? "msg-text msg-text-collapsed" : "msg-text"}>
        {parseMarkdown(text).map((block, i) => render(block, i, false))}
      </div>
      {long && (
        <button
          type="button"
          class="link-button show-more"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? "Show less" : "Show more"}
        </button>
      )}
    </>
  );
}

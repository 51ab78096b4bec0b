import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { linkify } from "../linkify.ts";
import { type Block, type Inline, parseMarkdown } from "../markdown.ts";

/** Texts longer than this, or of more lines, are shown collapsed, with "Show more". */
export const COLLAPSE_CHARS = 700;
export const COLLAPSE_LINES = 12;

/** Whether `text` is long enough to be shown collapsed at first. */
export function isLongText(text: string): boolean {
  if (text.length > COLLAPSE_CHARS) return true;
  let lines = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (++lines > COLLAPSE_LINES) return true;
  }
  return false;
}

/** A link that opens apart from the chat and tells the target nothing. */
function ExternalLink({ href, children }: { href: string; children: ComponentChildren }) {
  return <a href={href} target="_blank" rel="noopener noreferrer">{children}</a>;
}

/** Text with its http(s) URLs made links (`linkify`), unless it is a link's text already. */
function renderText(text: string, inLink: boolean): ComponentChildren {
  if (inLink) return text;
  return linkify(text).map((segment, i) =>
    segment.kind === "text"
      ? segment.text
      : <ExternalLink key={i} href={segment.href}>{segment.text}</ExternalLink>
  );
}

function renderInline(nodes: readonly Inline[], inLink = false): ComponentChildren {
  return nodes.map((node, i) => {
    switch (node.type) {
      case "text":
        return renderText(node.text, inLink);
      case "code":
        return <code key={i}>{node.text}</code>;
      case "strong":
        return <strong key={i}>{renderInline(node.children, inLink)}</strong>;
      case "em":
        return <em key={i}>{renderInline(node.children, inLink)}</em>;
      case "strike":
        return <del key={i}>{renderInline(node.children, inLink)}</del>;
      case "link":
        return (
          <ExternalLink key={i} href={node.href}>{renderInline(node.children, true)}</ExternalLink>
        );
    }
  });
}

function renderBlocks(blocks: readonly Block[]): ComponentChildren {
  return blocks.map((block, i) => {
    switch (block.type) {
      case "paragraph":
        return <p key={i}>{renderInline(block.children)}</p>;
      case "code_block":
        return <pre key={i}><code>{block.text}</code></pre>;
      case "quote":
        return <blockquote key={i}>{renderBlocks(block.children)}</blockquote>;
      case "list": {
        const items = block.items.map((item, j) => <li key={j}>{renderInline(item)}</li>);
        return block.ordered
          ? <ol key={i} start={block.start === 1 ? undefined : block.start}>{items}</ol>
          : <ul key={i}>{items}</ul>;
      }
    }
  });
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
        {renderBlocks(parseMarkdown(text))}
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

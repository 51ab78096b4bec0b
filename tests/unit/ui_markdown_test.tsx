/**
 * The markdown of messages (`components/markdown.ts`, rendered by
 * `components/chat/MessageText.tsx`): a corpus of every construct of the
 * subset and its edges, rendered to HTML as the page serves it; an XSS corpus
 * whose every rendering holds only the elements and attributes the renderer
 * makes, with http(s) links only; and the bounds on nesting and length.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { isLongText, MessageText } from "../../components/chat/MessageText.tsx";
import {
  type MarkdownNode,
  markdownPlainText,
  MAX_INLINE_DEPTH,
  MAX_QUOTE_DEPTH,
  parseInline,
  parseMarkdown,
} from "../../components/markdown.ts";

/** The HTML a message's text renders to, without the wrapper. */
function html(text: string): string {
  const rendered = renderToString(<MessageText text={text} />);
  const inner = rendered.match(/^<div class="msg-text(?: msg-text-collapsed)?">([\s\S]*)<\/div>/);
  ok(inner, rendered);
  return inner[1];
}

const A = (href: string, text = href) =>
  `<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;

/** Input, and the HTML it renders to. */
const CORPUS: [string, string][] = [
  // Plain text stays as it is, line breaks included (the list keeps white-space: pre-wrap).
  ["hello", "<p>hello</p>"],
  ["two\nlines", "<p>two\nlines</p>"],
  ["  indented", "<p>  indented</p>"],
  ["first\n\nsecond", "<p>first</p><p>second</p>"],
  ["a\r\nb", "<p>a\nb</p>"],
  ["", ""],
  ["\n\n", ""],
  // Emphasis.
  ["**bold**", "<p><strong>bold</strong></p>"],
  ["*it*", "<p><em>it</em></p>"],
  ["__not bold__ _nor it_", "<p>__not bold__ _nor it_</p>"],
  ["~~gone~~", "<p><del>gone</del></p>"],
  ["~single~", "<p>~single~</p>"],
  ["***three***", "<p>***three***</p>"],
  ["**bold *and it* too**", "<p><strong>bold <em>and it</em> too</strong></p>"],
  ["*it **and bold** too*", "<p><em>it <strong>and bold</strong> too</em></p>"],
  ["**a** **b**", "<p><strong>a</strong> <strong>b</strong></p>"],
  ["~~**x**~~", "<p><del><strong>x</strong></del></p>"],
  ["2*3*4", "<p>2<em>3</em>4</p>"],
  ["snake_case_name", "<p>snake_case_name</p>"],
  ["__init__.py", "<p>__init__.py</p>"],
  ["a * b * c", "<p>a * b * c</p>"],
  ["** not bold **", "<p>** not bold **</p>"],
  ["****", "<p>****</p>"],
  ["**", "<p>**</p>"],
  ["**unclosed", "<p>**unclosed</p>"],
  ["*a **b* c**", "<p><em>a **b</em> c**</p>"],
  ["**a *b** c*", "<p><strong>a *b</strong> c*</p>"],
  // Code.
  ["`code`", "<p><code>code</code></p>"],
  ["`**not bold**`", "<p><code>**not bold**</code></p>"],
  ["``", "<p>``</p>"],
  ["`a` and `b`", "<p><code>a</code> and <code>b</code></p>"],
  ["`unclosed **bold**", "<p>`unclosed <strong>bold</strong></p>"],
  ["**`x`**", "<p><strong><code>x</code></strong></p>"],
  ["```\nline 1\n  *line 2*\n```", "<pre><code>line 1\n  *line 2*</code></pre>"],
  ["```ts\nconst a = 1;\n```\nafter", "<pre><code>const a = 1;</code></pre><p>after</p>"],
  ["```\nnever closed\n**x**", "<pre><code>never closed\n**x**</code></pre>"],
  ["before\n```\ncode\n```", "<p>before</p><pre><code>code</code></pre>"],
  // Escapes.
  ["\\*not it\\*", "<p>*not it*</p>"],
  ["\\`not code\\`", "<p>`not code`</p>"],
  ["back\\slash \\a", "<p>back\\slash \\a</p>"],
  // Quotes.
  ["> quoted", "<blockquote><p>quoted</p></blockquote>"],
  [">no space\n> two", "<blockquote><p>no space\ntwo</p></blockquote>"],
  ["> a\n> > b", "<blockquote><p>a</p><blockquote><p>b</p></blockquote></blockquote>"],
  ["> **bold** quote", "<blockquote><p><strong>bold</strong> quote</p></blockquote>"],
  ["> quote\nafter", "<blockquote><p>quote</p></blockquote><p>after</p>"],
  ["5 > 3", "<p>5 > 3</p>"],
  // Lists.
  ["- one\n- two", "<ul><li>one</li><li>two</li></ul>"],
  ["* one\n+ two", "<ul><li>one</li><li>two</li></ul>"],
  ["1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"],
  ["3) three\n4) four", "<ol><li>three</li><li>four</li></ol>"],
  ["- *it*\n- `c`", "<ul><li><em>it</em></li><li><code>c</code></li></ul>"],
  ["intro\n- item", "<p>intro</p><ul><li>item</li></ul>"],
  ["- a\n1. b", "<ul><li>a</li></ul><ol><li>b</li></ol>"],
  ["-not a list", "<p>-not a list</p>"],
  ["1.5 is a number", "<p>1.5 is a number</p>"],
  // Links.
  ["[docs](https://deno.com/manual)", `<p>${A("https://deno.com/manual", "docs")}</p>`],
  ["[**bold** docs](http://x.org)", `<p>${A("http://x.org/", "<strong>bold</strong> docs")}</p>`],
  ["see https://deno.com.", `<p>see ${A("https://deno.com/", "https://deno.com")}.</p>`],
  ["[https://a.org](https://b.org)", `<p>${A("https://b.org/", "https://a.org")}</p>`],
  ["[a [b](https://x.org)", `<p>${A("https://x.org/", "a [b")}</p>`],
  ["[no url]", "<p>[no url]</p>"],
  ["[rel](/relative)", "<p>[rel](/relative)</p>"],
  ["[sp](https://a.org/ b)", `<p>[sp](${A("https://a.org/")} b)</p>`],
  ["`https://in.code`", "<p><code>https://in.code</code></p>"],
  ["*[x](https://a.org)*", `<p><em>${A("https://a.org/", "x")}</em></p>`],
];

Deno.test("markdown: the corpus renders as written", () => {
  const wrong = CORPUS.filter(([input, expected]) => html(input) !== expected)
    .map(([input, expected]) =>
      `${JSON.stringify(input)}\n  want ${expected}\n  got  ${html(input)}`
    );
  deepEqual(wrong, []);
});

Deno.test("markdown: the tree of a mixed message", () => {
  deepEqual(parseMarkdown("# not a heading\n> *q*\n\n3. `x`"), [
    { tag: "p", children: ["# not a heading"] },
    { tag: "blockquote", children: [{ tag: "p", children: [{ tag: "em", children: ["q"] }] }] },
    { tag: "ol", children: [{ tag: "li", children: [{ tag: "code", children: ["x"] }] }] },
  ]);
});

/** What the renderer may produce: these elements, these attributes. */
const ELEMENTS = new Set([
  "p",
  "strong",
  "em",
  "del",
  "code",
  "pre",
  "blockquote",
  "ul",
  "ol",
  "li",
  "a",
]);
const ATTRIBUTES = new Set(["href", "target", "rel"]);

/** Every element and attribute of `markup`, refused if the renderer would never make it. */
function strangers(markup: string): string[] {
  const found: string[] = [];
  for (const [, name, attributes] of markup.matchAll(/<([a-z0-9]+)([^>]*)>/gi)) {
    if (!ELEMENTS.has(name)) found.push(`<${name}>`);
    for (const [, attribute, value] of attributes.matchAll(/\s([^\s=]+)="([^"]*)"/g)) {
      if (!ATTRIBUTES.has(attribute)) found.push(`${name}[${attribute}]`);
      if (attribute === "href" && !/^https?:\/\/[^\s"<>]+$/.test(value)) {
        found.push(`href=${value}`);
      }
    }
  }
  return found;
}

const HOSTILE = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  '<a href="javascript:alert(1)">x</a>',
  "[x](javascript:alert(1))",
  "[x](JaVaScRiPt:alert(1))",
  "[x](javascript://%0Aalert(1))",
  "[x](data:text/html,<script>alert(1)</script>)",
  "[x](vbscript:msgbox(1))",
  "[x](//evil.example)",
  '[x](https://a.org" onmouseover="alert(1))',
  '[x](https://a.org/"><script>alert(1)</script>)',
  "[<img src=x onerror=alert(1)>](https://a.org)",
  "`<script>alert(1)</script>`",
  "```\n<script>alert(1)</script>\n```",
  "> <iframe src=javascript:alert(1)>",
  "- <svg onload=alert(1)>",
  "**<b onclick=alert(1)>x</b>**",
  "https://a.org/<script>",
  'https://a.org/"onmouseover="alert(1)',
  "\u202ehttps://a.org\u202c",
  "&lt;script&gt;alert(1)&lt;/script&gt;",
  "<style>*{display:none}</style>",
  "[x](https://a.org)<!--",
  "*".repeat(5_000),
  "**a ".repeat(3_000),
  "*a ".repeat(3_000),
  "_a ".repeat(3_000),
  "~~a ".repeat(3_000),
  "[".repeat(5_000) + "x" + "](https://a.org)".repeat(5_000),
  "[x](".repeat(5_000),
  "](https://a.org)".repeat(3_000),
  "`".repeat(5_000),
  "` `` ``` ".repeat(1_000),
  "> ".repeat(5_000) + "deep",
  ">\n".repeat(5_000),
  "- ".repeat(5_000),
  "\\".repeat(5_000),
  "[a](https://" + "a".repeat(5_000) + ".org)",
  ("*a ".repeat(50) + "[b](https://a.org) ").repeat(40),
];

Deno.test("markdown: hostile text renders only the renderer's elements, links only to http(s)", () => {
  for (const text of HOSTILE) {
    const markup = html(text);
    deepEqual(
      strangers(markup),
      [],
      `${JSON.stringify(text.slice(0, 80))}: ${markup.slice(0, 200)}`,
    );
    ok(!/javascript:/i.test(markup.match(/href="[^"]*"/g)?.join("") ?? ""));
  }
});

Deno.test("markdown: nothing of a hostile text is lost: the words come through as text", () => {
  for (const text of ["<script>alert(1)</script>", "[x](javascript:alert(1))", "a <b>c</b>"]) {
    const shown = html(text).replace(/<[^>]+>/g, "").replaceAll("&lt;", "<").replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&").replaceAll("&quot;", '"');
    equal(shown, text);
  }
});

/** The deepest nesting of elements (of `tag`, if given) in `nodes`. */
function depth(nodes: readonly MarkdownNode[], tag?: string): number {
  let deepest = 0;
  for (const node of nodes) {
    if (typeof node === "string") continue;
    const own = tag === undefined || node.tag === tag ? 1 : 0;
    deepest = Math.max(deepest, own + depth(node.children, tag));
  }
  return deepest;
}

Deno.test("markdown: nesting is capped; markers past the cap are text", () => {
  const deep = "*a **b ~~c ".repeat(20) + "x" + "~~ d** e*".repeat(20);
  const nodes = parseInline(deep);
  ok(depth(nodes) <= MAX_INLINE_DEPTH, `depth ${depth(nodes)}`);
  equal(depth(parseInline("*".repeat(100) + "x" + "*".repeat(100))), 0, "runs of 3+ are text");
  equal(depth(parseMarkdown("> ".repeat(50) + "x"), "blockquote"), MAX_QUOTE_DEPTH);
  const [quote] = parseMarkdown("> > > > > x");
  deepEqual(JSON.stringify(quote).includes("> > x"), true, "the deeper markers stay as text");
});

Deno.test("markdown: long texts are collapsed with Show more, short ones are not", () => {
  equal(isLongText("short"), false);
  equal(isLongText("x".repeat(700)), false);
  equal(isLongText("x".repeat(701)), true);
  equal(isLongText("line\n".repeat(11) + "line"), false);
  equal(isLongText("line\n".repeat(12) + "line"), true);
  const long = renderToString(<MessageText text={"x".repeat(800)} />);
  ok(long.includes('class="msg-text msg-text-collapsed"'));
  ok(long.includes('aria-expanded="false"') && long.includes("Show more"));
  ok(!renderToString(<MessageText text="short" />).includes("Show more"));
});

Deno.test("markdown plain text: markers gone, blocks and lines joined by single spaces", () => {
  equal(
    markdownPlainText("please read the **release notes**\n- one\n- two"),
    "please read the release notes one two",
  );
  equal(markdownPlainText("~~old~~ *new* [docs](https://example.com/x)"), "old new docs");
  equal(markdownPlainText("```\nlet a = 1;\n```\nafter"), "let a = 1; after");
  equal(markdownPlainText("<b>raw</b> stays \\*text\\*"), "<b>raw</b> stays *text*");
});

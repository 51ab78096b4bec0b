import assert from "node:assert/strict";
import { linkify, type Segment } from "../../components/linkify.ts";

const joined = (segments: Segment[]) => segments.map((segment) => segment.text).join("");

Deno.test("linkify: http and https URLs become links, the rest stays text", () => {
  const text = "docs at https://deno.com/manual and http://example.org?q=1#x, ok";
  const segments = linkify(text);
  assert.deepEqual(segments, [
    { kind: "text", text: "docs at " },
    { kind: "link", text: "https://deno.com/manual", href: "https://deno.com/manual" },
    { kind: "text", text: " and " },
    { kind: "link", text: "http://example.org?q=1#x", href: "http://example.org/?q=1#x" },
    { kind: "text", text: ", ok" },
  ]);
  assert.equal(joined(segments), text);
});

Deno.test("linkify: javascript:, data: and other schemes are never links", () => {
  for (
    const text of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(document.cookie)",
      "data:text/html,<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "ftp://files.example.com/a",
      "https:// not a url",
    ]
  ) {
    assert.deepEqual(linkify(text), [{ kind: "text", text }], text);
  }
});

Deno.test("linkify: sentence punctuation and unbalanced parentheses stay outside the link", () => {
  assert.deepEqual(linkify("see (https://example.com/a)."), [
    { kind: "text", text: "see (" },
    { kind: "link", text: "https://example.com/a", href: "https://example.com/a" },
    { kind: "text", text: ")." },
  ]);
  const wiki = "https://en.wikipedia.org/wiki/Switch_(disambiguation)";
  assert.deepEqual(linkify(`${wiki}!`), [
    { kind: "link", text: wiki, href: wiki },
    { kind: "text", text: "!" },
  ]);
});

Deno.test("linkify: a URL next to markup-like text does not swallow it", () => {
  const segments = linkify(`<a href="https://evil.example">x</a>`);
  assert.deepEqual(segments.filter((segment) => segment.kind === "link"), [
    { kind: "link", text: "https://evil.example", href: "https://evil.example/" },
  ]);
  assert.equal(joined(segments), `<a href="https://evil.example">x</a>`);
});

Deno.test("linkify: empty and link-free text", () => {
  assert.deepEqual(linkify(""), []);
  assert.deepEqual(linkify("no links here"), [{ kind: "text", text: "no links here" }]);
});

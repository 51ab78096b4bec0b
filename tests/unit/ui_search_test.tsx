/**
 * The search box's results (`components/chat/SearchDialog.tsx`): each with
 * its room, author, time and text, the words searched marked as the server
 * compares them (whole words, case-folded), and hostile text shown as text,
 * never as HTML; the empty, rate-limited and failed states in words.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import {
  matchedParts,
  type SearchDialogProps,
  SearchOutcome,
} from "../../components/chat/SearchDialog.tsx";
import type { SearchState } from "../../lib/client/message_search.ts";
import type { Message } from "../../lib/protocol/mod.ts";

const props: SearchDialogProps = {
  search: () => Promise.resolve([]),
  roomLabel: (room) => `#${room}`,
  nameOf: (user) => user.role === "guest" ? `${user.name} (guest)` : user.name,
  onOpen: () => Promise.resolve(null),
  onClose: () => {},
};

function render(state: SearchState): string {
  return renderToString(<SearchOutcome state={state} props={props} onOpen={() => {}} />);
}

function result(text: string): Message {
  return {
    room: "general",
    seq: 3,
    id: "m3",
    cid: "c3",
    user: { id: "guest:x", name: "eve", role: "guest" },
    text,
    ts: Date.UTC(2026, 11, 6, 7, 30),
  };
}

Deno.test("search results: matched whole words are marked, case-folded", () => {
  deepEqual(matchedParts("Ship the RELEASE, then released notes", "release"), [
    { text: "Ship the ", match: false },
    { text: "RELEASE", match: true },
    { text: ", then released notes", match: false },
  ]);
  deepEqual(matchedParts("ｆｕｌｌ width", "full"), [
    { text: "ｆｕｌｌ", match: true },
    { text: " width", match: false },
  ], "compared after NFKC, as the server does");
  deepEqual(matchedParts("", "x"), []);
});

Deno.test("search results: room, author, time and text; hostile text stays text", () => {
  const html = render({
    kind: "results",
    q: "deploy",
    messages: [result('deploy <img src=x onerror="alert(1)"> <script>alert(2)</script>')],
  });
  ok(html.includes('<span class="search-result-room">#general</span>'), html);
  ok(html.includes('<span class="msg-author">eve (guest)</span>'), html);
  ok(html.includes('datetime="2026-12-06T07:30:00.000Z"'), html);
  ok(html.includes("<mark>deploy</mark>"), html);
  ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;>"), html);
  equal(/<(img|script)\b/.test(html), false, "no element made from the text");
});

Deno.test("search results: none, rate limited, failed, in words", () => {
  ok(render({ kind: "results", q: "zebra", messages: [] }).includes("No messages hold “zebra”"));
  ok(
    render({ kind: "rate_limited", q: "x", retryAt: Date.now() + 9_500 }).includes(
      "Too many searches; try again in 10 s",
    ),
  );
  ok(
    render({ kind: "error", q: "x", message: "the connection ended" }).includes(
      "Search failed: the connection ended",
    ),
  );
  ok(render({ kind: "searching", q: "x" }).includes("Searching…"));
});

Deno.test("search results: markdown markers are left out of the excerpt", () => {
  const html = render({
    kind: "results",
    q: "notes",
    messages: [result("read the **release notes**\n> quoted `code`\n- one\n- two")],
  });
  ok(html.includes("read the release <mark>notes</mark> quoted code one two"), html);
  equal(html.includes("**"), false, html);
});

/**
 * The second edition's room log entries as the contract writes them: which
 * emoji a reaction may be, which fields each kind of entry must have (in the
 * zod schema and in the browser's check alike), and the client frames that
 * make entries, mark a room read and search, with their bounds.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { entryKind, entryProblem, isEmoji } from "../../lib/protocol/entries.ts";
import {
  DeleteFrame,
  EditFrame,
  EntryFrame,
  Message,
  ReactFrame,
  ReadFrame,
  SearchFrame,
  SendFrame,
} from "../../lib/protocol/frames.ts";
import { readServerFrame } from "../../lib/protocol/guards.ts";
import { SEARCH_LIMIT_MAX, SEARCH_QUERY_MAX_CHARS } from "../../lib/protocol/search.ts";

const USER = { id: "user:ada", name: "ada", role: "user" as const };
const BASE = { room: "general", id: "m1", cid: "c1", user: USER, ts: 1_700_000_000_000 };

Deno.test("a reaction is one or more emoji, never text, markup or spaces", () => {
  for (const emoji of ["👍", "❤️", "👨‍👩‍👧‍👦", "🇫🇷", "1️⃣", "#️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👋🏽", "🎉🎉", "☺"]) {
    ok(isEmoji(emoji), emoji);
  }
  for (const text of ["", "ok", "<b>", " 👍", "👍 ", "\u200d", "\u200d👍", "👍\u200d", "1", "#"]) {
    ok(!isEmoji(text), JSON.stringify(text));
  }
  ok(!isEmoji("👍".repeat(17)), "longer than 32 UTF-16 units");
  ok(isEmoji("👍".repeat(16)));
});

Deno.test("each kind of entry has the fields it needs, and a deleted text has no text", () => {
  equal(entryKind({}), "text");
  equal(entryProblem({ text: "hi" }), null);
  equal(entryProblem({ kind: "text", text: "hi" }), null);
  equal(entryProblem({}), "text", "a text entry without text");
  equal(entryProblem({ deleted: true }), null);
  equal(entryProblem({ deleted: true, text: "secret" }), "text", "a deleted entry keeps no text");
  equal(entryProblem({ kind: "edit", target: 1, text: "x" }), null);
  equal(entryProblem({ kind: "edit", text: "x" }), "target");
  equal(entryProblem({ kind: "edit", target: 1 }), "text");
  equal(entryProblem({ kind: "delete", target: 1 }), null);
  equal(entryProblem({ kind: "delete" }), "target");
  equal(entryProblem({ kind: "reaction", target: 1, emoji: "👍", on: false }), null);
  equal(entryProblem({ kind: "reaction", target: 1, on: true }), "emoji");
  equal(entryProblem({ kind: "reaction", target: 1, emoji: "👍" }), "on");
});

Deno.test("the schema (naming the field) and the browser's check refuse the same malformed entries", () => {
  const cases: [unknown, string][] = [
    [{ ...BASE, seq: 1 }, "text"],
    [{ ...BASE, seq: 1, text: "x", deleted: true }, "text"],
    [{ ...BASE, seq: 2, kind: "edit", text: "x" }, "target"],
    [{ ...BASE, seq: 2, kind: "reaction", target: 1, emoji: "x".repeat(33), on: true }, "emoji"],
    [
      { ...BASE, seq: 1, text: "x", reactions: { ["x".repeat(33)]: [] } },
      `reactions.${"x".repeat(33)}`,
    ],
  ];
  for (const [entry, field] of cases) {
    const parsed = Message.safeParse(entry);
    equal(parsed.success, false, JSON.stringify(entry));
    equal(parsed.error!.issues[0].path.join("."), field, JSON.stringify(entry));
    const read = readServerFrame(JSON.stringify({ type: "message", ...entry as object }));
    ok(!read.ok, JSON.stringify(entry));
  }
});

Deno.test("edit, delete and react frames: a target, a cid, and an emoji for a reaction", () => {
  const edit = { type: "edit", room: "general", target: 3, text: "fixed", cid: "e1" };
  const remove = { type: "delete", room: "general", target: 3, cid: "d1" };
  const react = { type: "react", room: "general", target: 3, emoji: "👍", on: true, cid: "r1" };
  deepEqual(EditFrame.parse(edit), edit);
  deepEqual(DeleteFrame.parse(remove), remove);
  deepEqual(ReactFrame.parse(react), react);
  deepEqual(EntryFrame.options.map((frame) => frame.shape.type.value), ["edit", "delete", "react"]);
  for (
    const bad of [
      { ...edit, text: "" },
      { ...edit, target: -1 },
      { ...edit, target: 1.5 },
      { ...edit, cid: "" },
      { ...remove, cid: undefined },
      { ...remove, room: "Not A Room" },
      { ...react, emoji: "like" },
      { ...react, emoji: "👍".repeat(17) },
      { ...react, on: "yes" },
      { ...react, on: undefined },
    ]
  ) {
    equal(EntryFrame.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

Deno.test("send takes an optional reply_to; read takes a seq", () => {
  const send = { type: "send", room: "general", text: "yes", cid: "s1", reply_to: 4 };
  deepEqual(SendFrame.parse(send), send);
  equal(SendFrame.safeParse({ ...send, reply_to: -4 }).success, false);
  equal(SendFrame.safeParse({ ...send, reply_to: "4" }).success, false);
  deepEqual(ReadFrame.parse({ type: "read", room: "general", seq: 9 }), {
    type: "read",
    room: "general",
    seq: 9,
  });
  equal(ReadFrame.safeParse({ type: "read", room: "general" }).success, false);
});

Deno.test("search: a bounded query, an optional room, limit and page cursor", () => {
  const search = {
    type: "search",
    q: "deploy friday",
    room: "general",
    limit: 10,
    before: { ts: 1_700_000_000_000, room: "ops", seq: 12 },
  };
  deepEqual(SearchFrame.parse(search), search);
  deepEqual(SearchFrame.parse({ type: "search", q: "x" }), { type: "search", q: "x" });
  for (
    const bad of [
      { ...search, q: "" },
      { ...search, q: "x".repeat(SEARCH_QUERY_MAX_CHARS + 1) },
      { ...search, limit: 0 },
      { ...search, limit: SEARCH_LIMIT_MAX + 1 },
      { ...search, room: "Nope!" },
      { ...search, before: { ts: 1, room: "ops" } },
    ]
  ) {
    equal(SearchFrame.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

/**
 * The fold of a room's log (`lib/protocol/fold.ts`): edits, deletes and
 * reactions applied to their targets in seq order, entries given twice
 * counted once, changes to nothing held ignored, and a page the server
 * already folded folding to the same state again with the changes it lists.
 */
import { deepEqual, equal } from "node:assert/strict";
import type { Message } from "../../lib/protocol/frames.ts";
import { foldEntries, isTextEntry } from "../../lib/protocol/fold.ts";

const ADA = { id: "user:ada", name: "ada", role: "user" as const };
const BOB = { id: "user:bob", name: "bob", role: "user" as const };

/** An entry of `general` at `seq` by ada, sent at `seq * 10`, with `fields`. */
function entry(seq: number, fields: Partial<Message>): Message {
  return {
    room: "general",
    seq,
    id: `m${seq}`,
    cid: `c${seq}`,
    user: ADA,
    ts: seq * 10,
    ...fields,
  };
}
const text = (seq: number, value: string, extra: Partial<Message> = {}) =>
  entry(seq, { text: value, ...extra });
const edit = (seq: number, target: number, value: string) =>
  entry(seq, { kind: "edit", target, text: value });
const remove = (seq: number, target: number) => entry(seq, { kind: "delete", target });
const react = (seq: number, target: number, emoji: string, on: boolean, user = ADA) =>
  entry(seq, { kind: "reaction", target, emoji, on, user });

/** The text entries of the fold. */
const shown = (entries: Message[]) => foldEntries(entries).filter(isTextEntry);

Deno.test("fold: an edit sets the text and edited_at; the last edit wins", () => {
  deepEqual(shown([text(1, "helo"), edit(2, 1, "hello"), edit(3, 1, "hello!")]), [
    text(1, "hello!", { edited_at: 30 }),
  ]);
});

Deno.test("fold: every entry is listed once, in seq order, changes as they were", () => {
  const entries = [edit(3, 1, "b"), text(2, "two"), text(1, "a"), text(1, "a again")];
  deepEqual(foldEntries(entries), [
    text(1, "b", { edited_at: 30 }),
    text(2, "two"),
    edit(3, 1, "b"),
  ]);
});

Deno.test("fold: a delete erases text, mentions, reactions and edited_at, and nothing changes it after", () => {
  const entries = [
    text(1, "secret @bob", { mentions: [BOB.id], reply_to: 0 }),
    react(2, 1, "👍", true, BOB),
    edit(3, 1, "still secret"),
    remove(4, 1),
    edit(5, 1, "back?"),
    react(6, 1, "🎉", true),
  ];
  const [folded] = shown(entries);
  deepEqual(folded, {
    room: "general",
    seq: 1,
    id: "m1",
    cid: "c1",
    user: ADA,
    ts: 10,
    reply_to: 0,
    deleted: true,
  });
  equal("text" in folded, false);
});

Deno.test("fold: reactions, one per user, emoji and target; empty lists and maps go away", () => {
  const base = [text(1, "ship it")];
  deepEqual(shown([...base, react(2, 1, "👍", true), react(3, 1, "👍", true, BOB)])[0].reactions, {
    "👍": [ADA.id, BOB.id],
  });
  deepEqual(
    shown([...base, react(2, 1, "👍", true), react(3, 1, "👍", true), react(4, 1, "🎉", true)])[0]
      .reactions,
    { "👍": [ADA.id], "🎉": [ADA.id] },
    "the same reaction twice counts once",
  );
  deepEqual(
    shown([
      ...base,
      react(2, 1, "👍", true),
      react(3, 1, "👍", true, BOB),
      react(4, 1, "👍", false),
    ])[0]
      .reactions,
    { "👍": [BOB.id] },
  );
  equal(
    "reactions" in shown([...base, react(2, 1, "👍", true), react(3, 1, "👍", false)])[0],
    false,
  );
  equal("reactions" in shown([...base, react(2, 1, "👍", false)])[0], false, "off when never on");
});

Deno.test("fold: changes to entries not held, to non-text entries or to later seqs change nothing", () => {
  const entries = [
    text(2, "kept"),
    edit(3, 1, "x"),
    edit(4, 3, "y"),
    remove(5, 99),
    edit(6, 7, "z"),
    text(7, "later"),
  ];
  deepEqual(shown(entries), [text(2, "kept"), text(7, "later")]);
});

Deno.test("fold: the entries given are left as they were", () => {
  const original = text(1, "a");
  const entries = [original, edit(2, 1, "b"), react(3, 1, "👍", true), remove(4, 1)];
  const copy = structuredClone(entries);
  foldEntries(entries);
  deepEqual(entries, copy);
});

Deno.test("fold: a page folded by the server, folded again with the changes it lists, is the same", () => {
  const log = [
    text(1, "hi"),
    react(2, 1, "👍", true),
    edit(3, 1, "hi all"),
    react(4, 1, "👍", false),
    react(5, 1, "👍", true, BOB),
    text(6, "bye"),
    remove(7, 6),
  ];
  const served = foldEntries(log);
  deepEqual(foldEntries(served), served, "folding twice");
  // The client holds the page and receives some of its entries again live.
  deepEqual(foldEntries([...served, ...log.slice(3)]), served);
  // Live changes after the page apply on top of it.
  deepEqual(shown([...served, edit(8, 1, "hi everyone")])[0].text, "hi everyone");
});

/**
 * The contract every {@linkcode SearchIndex} passes: what a search finds
 * (every word, any case, any script, only in the rooms given, newest first,
 * paged without loss or repeat), how it follows a log (edits, deletes, how far
 * it got, never twice), and which queries it refuses. An engine's test file
 * runs it with a factory of its own:
 *
 * @example
 * ```ts
 * searchIndexContract("kv", async () => {
 *   const kv = await Deno.openKv(":memory:");
 *   return { index: createKvSearchIndex({ kv, blocksPerRead: 1 }), close: () => kv.close() };
 * });
 * ```
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Message } from "../../lib/protocol/mod.ts";
import type { SearchHit, SearchIndex, SearchPage } from "../../lib/server/search/mod.ts";
import { WORDS_PER_ENTRY_MAX } from "../../lib/server/search/mod.ts";

/** One engine's index on an empty store. */
export interface SearchIndexFixture {
  index: SearchIndex;
  close(): Promise<void> | void;
}

const ADA = { id: "user:ada", name: "ada", role: "user" as const };
const T0 = 1_800_000_000_000;

/** A text entry of `room` at `seq`, sent at `T0 + seq` seconds unless `ts` says otherwise. */
export function textEntry(room: string, seq: number, text: string, ts = T0 + seq * 1_000): Message {
  return { room, seq, id: `${room}-${seq}`, cid: `c${seq}`, user: ADA, text, ts };
}

function changeEntry(room: string, seq: number, fields: Partial<Message>): Message {
  return {
    room,
    seq,
    id: `${room}-${seq}`,
    cid: `c${seq}`,
    user: ADA,
    ts: T0 + seq * 1_000,
    ...fields,
  };
}

/** Where the hits of a page are, as `room:seq`. */
function places(page: SearchPage): string[] {
  ok(page.ok, page.ok ? "" : page.message);
  return page.hits.map((hit) => `${hit.room}:${hit.seq}`);
}

/** Registers the search index contract's tests for one engine. */
export function searchIndexContract(
  engine: string,
  setup: () => Promise<SearchIndexFixture>,
): void {
  const test = (name: string, fn: (index: SearchIndex) => Promise<void>) =>
    Deno.test(`search index (${engine}): ${name}`, async () => {
      const fixture = await setup();
      try {
        await fn(fixture.index);
      } finally {
        await fixture.close();
      }
    });

  test("finds entries holding every word, in any case and script, newest first", async (index) => {
    await index.indexLog("general", 0, [
      textEntry("general", 1, "Deploy on Friday?"),
      textEntry("general", 2, "never deploy on a friday"),
      textEntry("general", 3, "deployment notes"),
      textEntry("general", 4, "Déjà vu: DEPLOY friday"),
      textEntry("general", 5, "日本語 テキスト and ünïcödé"),
    ]);
    const search = (q: string) => index.search({ q, rooms: ["general"], limit: 10 });
    deepEqual(places(await search("deploy")), ["general:4", "general:2", "general:1"]);
    deepEqual(places(await search("FRIDAY deploy")), ["general:4", "general:2", "general:1"]);
    deepEqual(places(await search("deploy never")), ["general:2"]);
    deepEqual(places(await search("déjà")), ["general:4"]);
    deepEqual(places(await search("ÜNÏCÖDÉ")), ["general:5"]);
    deepEqual(places(await search("テキスト")), ["general:5"]);
    deepEqual(places(await search("deploy monday")), [], "every word must be there");
    deepEqual(places(await search("deployment")), ["general:3"], "whole words, not prefixes");
    const page = await search("deploy");
    ok(page.ok);
    deepEqual(page.hits[0], { room: "general", seq: 4, ts: T0 + 4_000 });
    equal(page.more, false);
  });

  test("searches only the rooms it is given", async (index) => {
    await index.indexLog("general", 0, [textEntry("general", 1, "secret plan")]);
    await index.indexLog("private", 0, [textEntry("private", 1, "secret plan")]);
    deepEqual(places(await index.search({ q: "secret", rooms: ["general"], limit: 5 })), [
      "general:1",
    ]);
    deepEqual(places(await index.search({ q: "secret", rooms: [], limit: 5 })), []);
    deepEqual(places(await index.search({ q: "secret", rooms: ["nowhere"], limit: 5 })), []);
  });

  test("orders across rooms by time, then room, then seq, and pages without loss or repeat", async (index) => {
    // Same second in three rooms, and rooms whose seqs do not follow time across rooms.
    await index.indexLog("a", 0, [
      textEntry("a", 1, "tick", T0 + 1),
      textEntry("a", 2, "tick", T0 + 5),
      textEntry("a", 3, "tick", T0 + 9),
    ]);
    await index.indexLog("b", 0, [
      textEntry("b", 1, "tick", T0 + 5),
      textEntry("b", 2, "tick", T0 + 7),
    ]);
    await index.indexLog(
      "c",
      0,
      Array.from({ length: 9 }, (_, i) => textEntry("c", i + 1, i % 2 ? "tick" : "tock", T0 + i)),
    );
    const rooms = ["a", "b", "c"];
    const all = places(await index.search({ q: "tick", rooms, limit: 50 }));
    deepEqual(all, ["a:3", "c:8", "b:2", "c:6", "b:1", "a:2", "c:4", "c:2", "a:1"]);
    const paged: string[] = [];
    let before: SearchHit | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await index.search({ q: "tick", rooms, limit: 2, before });
      ok(page.ok);
      paged.push(...places(page));
      before = page.hits.at(-1);
      if (!page.more) break;
      equal(page.hits.length, 2);
    }
    deepEqual(paged, all);
  });

  test("the limit is clamped to the protocol's, and more says what is left", async (index) => {
    await index.indexLog(
      "general",
      0,
      Array.from({ length: 60 }, (_, i) => textEntry("general", i + 1, "same words")),
    );
    const page = await index.search({ q: "same", rooms: ["general"], limit: 500 });
    ok(page.ok);
    equal(page.hits.length, 50);
    equal(page.more, true);
    const one = await index.search({ q: "words", rooms: ["general"], limit: 0 });
    ok(one.ok);
    equal(one.hits.length, 1);
  });

  test("a rare word among common ones is found across many entries", async (index) => {
    const entries = Array.from(
      { length: 400 },
      (_, i) =>
        textEntry(
          "general",
          i + 1,
          i === 37 || i === 301 ? "common filler needle" : `common filler ${i}`,
        ),
    );
    await index.indexLog("general", 0, entries);
    deepEqual(places(await index.search({ q: "needle common", rooms: ["general"], limit: 5 })), [
      "general:302",
      "general:38",
    ]);
    deepEqual(places(await index.search({ q: "filler 7", rooms: ["general"], limit: 5 })), [
      "general:8",
    ]);
    deepEqual(places(await index.search({ q: "needle 7", rooms: ["general"], limit: 5 })), []);
  });

  test("edits change what finds an entry; deletes make it unfindable", async (index) => {
    await index.indexLog("general", 0, [
      textEntry("general", 1, "helo world"),
      textEntry("general", 2, "bye world"),
    ]);
    await index.reindex("general", 1, "hello world");
    deepEqual(places(await index.search({ q: "helo", rooms: ["general"], limit: 5 })), []);
    deepEqual(places(await index.search({ q: "hello", rooms: ["general"], limit: 5 })), [
      "general:1",
    ]);
    await index.forget("general", 2);
    deepEqual(places(await index.search({ q: "world", rooms: ["general"], limit: 5 })), [
      "general:1",
    ]);
    // Neither touches what was never indexed, nor resurrects the deleted.
    await index.reindex("general", 2, "world again");
    await index.reindex("general", 9, "world");
    await index.forget("general", 9);
    deepEqual(places(await index.search({ q: "world", rooms: ["general"], limit: 5 })), [
      "general:1",
    ]);
    const edited = await index.search({ q: "hello", rooms: ["general"], limit: 5 });
    ok(edited.ok);
    equal(edited.hits[0].ts, T0 + 1_000, "an edit keeps the entry's time");
  });

  test("edit and delete entries of the log apply to their targets; reactions change nothing", async (index) => {
    await index.indexLog("general", 0, [
      textEntry("general", 1, "first draft"),
      textEntry("general", 2, "keep me"),
      changeEntry("general", 3, { kind: "edit", target: 1, text: "final version" }),
      changeEntry("general", 4, { kind: "reaction", target: 2, emoji: "👍", on: true }),
      textEntry("general", 5, "draft two"),
    ]);
    await index.indexLog("general", 5, [
      changeEntry("general", 6, { kind: "delete", target: 5 }),
      changeEntry("general", 7, { kind: "edit", target: 2, text: "kept, edited" }),
      changeEntry("general", 8, { kind: "edit", target: 2, text: "kept, edited twice" }),
      changeEntry("general", 9, { kind: "edit", target: 5, text: "draft back" }),
      changeEntry("general", 10, { kind: "delete", target: 404 }),
    ]);
    const search = (q: string) => index.search({ q, rooms: ["general"], limit: 5 });
    deepEqual(places(await search("draft")), []);
    deepEqual(places(await search("final")), ["general:1"]);
    deepEqual(places(await search("twice")), ["general:2"]);
    deepEqual(places(await search("keep")), []);
    equal(await index.indexedThrough("general"), 10);
  });

  test("an edit and a delete in the same batch as their target apply in order", async (index) => {
    await index.indexLog("general", 0, [
      textEntry("general", 1, "alpha"),
      changeEntry("general", 2, { kind: "edit", target: 1, text: "beta" }),
      textEntry("general", 3, "gamma"),
      changeEntry("general", 4, { kind: "edit", target: 3, text: "delta" }),
      changeEntry("general", 5, { kind: "delete", target: 3 }),
    ]);
    for (const word of ["alpha", "gamma", "delta"]) {
      deepEqual(places(await index.search({ q: word, rooms: ["general"], limit: 5 })), [], word);
    }
    deepEqual(places(await index.search({ q: "beta", rooms: ["general"], limit: 5 })), [
      "general:1",
    ]);
  });

  test("writes only where the index stands, and says where it stands", async (index) => {
    equal(await index.indexedThrough("general"), 0);
    equal(
      await index.indexLog("general", 0, [
        textEntry("general", 1, "one"),
        textEntry("general", 2, "two"),
      ]),
      2,
    );
    equal(await index.indexedThrough("general"), 2);
    equal(
      await index.indexLog("general", 5, [textEntry("general", 6, "six")]),
      2,
      "entries after a gap are not written",
    );
    equal(
      await index.indexLog("general", 0, [textEntry("general", 1, "one again")]),
      2,
      "entries already indexed are not written again",
    );
    deepEqual(places(await index.search({ q: "six", rooms: ["general"], limit: 5 })), []);
    deepEqual(places(await index.search({ q: "again", rooms: ["general"], limit: 5 })), []);
    // Entries at or below `after` are skipped; seqs the log no longer has may be missing.
    equal(
      await index.indexLog("general", 2, [
        textEntry("general", 2, "x"),
        textEntry("general", 5, "five"),
      ]),
      5,
    );
    deepEqual(places(await index.search({ q: "five", rooms: ["general"], limit: 5 })), [
      "general:5",
    ]);
    equal(
      await index.indexLog("general", 5, [
        changeEntry("general", 6, { kind: "reaction", target: 5, emoji: "👍", on: true }),
      ]),
      6,
    );
    equal(await index.indexedThrough("other"), 0, "each room stands on its own");
  });

  test("many entries and long texts are written whole, in as many steps as it takes", async (index) => {
    const long = Array.from({ length: 600 }, (_, i) => `word${i}`).join(" ");
    const entries = Array.from(
      { length: 30 },
      (_, i) => textEntry("general", i + 1, `e${i + 1} ${long}`),
    );
    equal(await index.indexLog("general", 0, entries), 30);
    deepEqual(places(await index.search({ q: "word0 e17", rooms: ["general"], limit: 5 })), [
      "general:17",
    ]);
    // Each text's first word is its own, then word0, word1 …
    const last = `word${WORDS_PER_ENTRY_MAX - 2}`;
    const beyond = `word${WORDS_PER_ENTRY_MAX - 1}`;
    const kept = await index.search({ q: last, rooms: ["general"], limit: 50 });
    ok(kept.ok);
    equal(kept.hits.length, 30, "the first words of a long text are indexed");
    deepEqual(
      places(await index.search({ q: beyond, rooms: ["general"], limit: 5 })),
      [],
      "not the rest",
    );
    const longWord = "x".repeat(100);
    await index.indexLog("general", 30, [textEntry("general", 31, longWord)]);
    deepEqual(places(await index.search({ q: longWord, rooms: ["general"], limit: 5 })), [
      "general:31",
    ]);
    // An edit that swaps every word of the longest text for the longest words fits too.
    const wide = Array.from({ length: 600 }, (_, i) => `${i}`.padStart(3, "0") + "語".repeat(29));
    await index.reindex("general", 31, wide.join(" "));
    deepEqual(places(await index.search({ q: wide[100], rooms: ["general"], limit: 5 })), [
      "general:31",
    ]);
    await index.reindex("general", 31, long);
    deepEqual(places(await index.search({ q: "word1", rooms: ["general"], limit: 50 })).length, 31);
  });

  test("forgets every entry up to a seq, as the log's retention drops them", async (index) => {
    const entries = Array.from(
      { length: 300 },
      (_, i) => textEntry("general", i + 1, `kept ${i % 7 === 0 ? "seventh" : "other"} ${i + 1}`),
    );
    await index.indexLog("general", 0, entries);
    await index.indexLog("random", 0, [textEntry("random", 1, "kept elsewhere")]);
    await index.forgetThrough("general", 250);
    const kept = await index.search({ q: "kept", rooms: ["general"], limit: 50 });
    ok(kept.ok);
    deepEqual(kept.hits.map((hit) => hit.seq), Array.from({ length: 50 }, (_, i) => 300 - i));
    equal(kept.more, false, "nothing at or below 250 is found");
    deepEqual(places(await index.search({ q: "seventh", rooms: ["general"], limit: 50 })), [
      "general:295",
      "general:288",
      "general:281",
      "general:274",
      "general:267",
      "general:260",
      "general:253",
    ]);
    deepEqual(places(await index.search({ q: "100", rooms: ["general"], limit: 5 })), []);
    deepEqual(places(await index.search({ q: "kept", rooms: ["random"], limit: 5 })), ["random:1"]);
    equal(await index.indexedThrough("general"), 300, "how far it is indexed does not move");
    await index.forgetThrough("general", 250);
    await index.forgetThrough("nowhere", 10);
    // An edit of a forgotten entry changes nothing.
    await index.reindex("general", 10, "kept again");
    deepEqual(places(await index.search({ q: "again", rooms: ["general"], limit: 5 })), []);
  });

  test("refuses queries without words or with too many", async (index) => {
    for (const q of ["", "   ", "?!…", "a b c d e f g h i", "x".repeat(201)]) {
      const page = await index.search({ q, rooms: ["general"], limit: 5 });
      equal(page.ok, false, JSON.stringify(q));
      if (!page.ok) ok(page.message.length > 0);
    }
    const repeated = await index.search({
      q: "a a a a a a a a a a b",
      rooms: ["general"],
      limit: 5,
    });
    ok(repeated.ok, "a word counts once");
  });
}

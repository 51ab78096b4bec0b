import { deepEqual, equal, ok } from "node:assert/strict";
import { boundPage, spliceMessages } from "../../lib/server/rooms/bounded_page.ts";
import { utf8Length } from "../../lib/server/utf8_length.ts";
import type { Message } from "../../lib/protocol/mod.ts";

function message(seq: number, text = `message ${seq}`): Message {
  return {
    room: "general",
    seq,
    id: `id-${seq}`,
    cid: `c-${seq}`,
    user: { id: "u1", name: "ada" },
    text,
    ts: 1_000 + seq,
  };
}

function bytesOf(text: string) {
  return new TextEncoder().encode(text).byteLength;
}

Deno.test("utf8Length counts what TextEncoder encodes, for every kind of character", () => {
  const samples = [
    "",
    "plain",
    "Zoë",
    "€ and ☃",
    "😀 pairs 𝄞",
    "\u0000\u007f\u0080\u07ff\u0800\uffff",
  ];
  for (const sample of samples) equal(utf8Length(sample), bytesOf(sample), sample);
  // Seeded: every code point class, surrogate pairs included.
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (let round = 0; round < 200; round++) {
    const points = Array.from({ length: 20 }, () => [0x41, 0xe9, 0x20ac, 0x1f600][next() % 4]);
    const text = String.fromCodePoint(...points);
    equal(utf8Length(text), bytesOf(text));
  }
});

Deno.test("boundPage keeps the oldest or the newest that fit, in order, and at least one", () => {
  const page = Array.from({ length: 9 }, (_, index) => message(index + 1));
  const size = bytesOf(JSON.stringify(page[0]));
  const threeFit = 3 * size + 2;

  const oldest = boundPage(page, threeFit, "oldest");
  deepEqual(oldest.texts.map((text) => JSON.parse(text).seq), [1, 2, 3]);
  ok(oldest.trimmed);
  const newest = boundPage(page, threeFit, "newest");
  deepEqual(newest.texts.map((text) => JSON.parse(text).seq), [7, 8, 9]);

  const all = boundPage(page, 1_000_000, "oldest");
  equal(all.texts.length, 9);
  ok(!all.trimmed);
  const huge = [message(1, "é".repeat(10_000)), message(2)];
  deepEqual(boundPage(huge, 100, "oldest").texts.map((text) => JSON.parse(text).seq), [1]);
  deepEqual(boundPage([], 100, "newest"), { texts: [], trimmed: false });
});

Deno.test("spliceMessages gives the frame's JSON with the messages as they were serialized", () => {
  const page = [message(1), message(2, 'quote " and ☃')];
  const frame = { type: "history", room: "general", more: false };
  const json = spliceMessages(frame, page.map((item) => JSON.stringify(item)));
  deepEqual(JSON.parse(json), { ...frame, messages: page });
  // What fits the budget fits the bound: the frame's shell plus the items.
  const shell = utf8Length(JSON.stringify({ ...frame, messages: [] }));
  const bounded = boundPage(page, 10_000, "oldest");
  ok(bytesOf(spliceMessages(frame, bounded.texts)) <= shell + 10_000);
});

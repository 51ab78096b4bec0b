import { deepEqual, equal, ok } from "node:assert/strict";
import { boundPage, serializeMessages } from "../../lib/server/rooms/bounded_page.ts";
import { utf8Length } from "../../lib/server/limits/utf8_length.ts";
import type { Message } from "../../lib/protocol/mod.ts";

function message(seq: number, text = `message ${seq}`): Message {
  return {
    room: "general",
    seq,
    id: `id-${seq}`,
    cid: `c-${seq}`,
    user: { id: "u1", name: "ada", role: "user" as const },
    text,
    ts: 1_000 + seq,
  };
}

function bytesOf(text: string) {
  return new TextEncoder().encode(text).byteLength;
}

/** Seeded strings of every kind of UTF-16 unit: escapes, control characters, pairs, lone halves. */
function* sampleTexts(count: number): Generator<string> {
  const units = [0x41, 0x22, 0x5c, 0x0a, 0x09, 0x01, 0x1f, 0x7f, 0xe9, 0x20ac, 0xd83d, 0xde00];
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (let round = 0; round < count; round++) {
    const length = next() % 40;
    yield String.fromCharCode(...Array.from({ length }, () => units[next() % units.length]));
  }
}

Deno.test("utf8Length counts what TextEncoder gives", () => {
  const fixed = ["", "plain", "Zoë", "€ and ☃", "😀 pairs 𝄞", 'say "hi"\n', "\u0000\b\f\r\t\\"];
  for (const text of [...fixed, ...sampleTexts(2_000)]) {
    equal(utf8Length(text), bytesOf(text), JSON.stringify(text));
    equal(utf8Length(JSON.stringify(text)), bytesOf(JSON.stringify(text)), JSON.stringify(text));
  }
});

Deno.test("serializeMessages serializes a page once, however often it is served", () => {
  const page = [message(1), message(2)];
  const items = serializeMessages(page);
  deepEqual(items, page.map((item) => JSON.stringify(item)));
  equal(serializeMessages(page), items);
  ok(serializeMessages([...page]) !== items);
});

Deno.test("boundPage keeps the oldest or the newest that fit, in order, and at least one", () => {
  const page = Array.from({ length: 9 }, (_, index) => message(index + 1));
  const items = serializeMessages(page);
  const seqs = (kept: string[]) => kept.map((item) => (JSON.parse(item) as Message).seq);
  const threeFit = 3 * bytesOf(items[0]) + 2;

  const oldest = boundPage(items, threeFit, "oldest");
  deepEqual(seqs(oldest.items), [1, 2, 3]);
  ok(oldest.trimmed);
  const newest = boundPage(items, threeFit, "newest");
  deepEqual(seqs(newest.items), [7, 8, 9]);

  const all = boundPage(items, 1_000_000, "oldest");
  equal(all.items.length, 9);
  ok(!all.trimmed);
  const huge = serializeMessages([message(1, "é".repeat(10_000)), message(2)]);
  deepEqual(seqs(boundPage(huge, 100, "oldest").items), [1]);
  deepEqual(boundPage([], 100, "newest"), { items: [], trimmed: false });
});

Deno.test("a page that fits its budget fits the bound once serialized in its frame", () => {
  const page = [...sampleTexts(300)].map((text, index) => message(index + 1, text.repeat(20)));
  const frame = { type: "history", room: "general", more: true, messages: [] };
  const shell = bytesOf(JSON.stringify(frame));
  for (const budget of [1_000, 10_000, 100_000]) {
    const bounded = boundPage(serializeMessages(page), budget, "newest");
    const sent = bytesOf(
      JSON.stringify({ ...frame, messages: bounded.items.map((item) => JSON.parse(item)) }),
    );
    ok(sent <= shell + budget, `${sent} bytes for a budget of ${budget}`);
  }
});

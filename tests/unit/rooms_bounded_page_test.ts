import { deepEqual, equal, ok } from "node:assert/strict";
import { boundPage, messageJsonLength } from "../../lib/server/rooms/bounded_page.ts";
import { jsonStringLength, utf8Length } from "../../lib/server/limits/utf8_length.ts";
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

Deno.test("utf8Length and jsonStringLength count what TextEncoder and JSON.stringify give", () => {
  const fixed = ["", "plain", "Zoë", "€ and ☃", "😀 pairs 𝄞", 'say "hi"\n', "\u0000\b\f\r\t\\"];
  for (const text of [...fixed, ...sampleTexts(2_000)]) {
    equal(utf8Length(text), bytesOf(text), JSON.stringify(text));
    equal(jsonStringLength(text), bytesOf(JSON.stringify(text)), JSON.stringify(text));
  }
});

Deno.test("messageJsonLength is the size of the message's JSON", () => {
  for (const text of sampleTexts(500)) {
    const item = message(7, text);
    equal(messageJsonLength(item), bytesOf(JSON.stringify(item)));
  }
});

Deno.test("boundPage keeps the oldest or the newest that fit, in order, and at least one", () => {
  const page = Array.from({ length: 9 }, (_, index) => message(index + 1));
  const size = messageJsonLength(page[0]);
  const threeFit = 3 * size + 2;

  const oldest = boundPage(page, threeFit, "oldest");
  deepEqual(oldest.messages.map(({ seq }) => seq), [1, 2, 3]);
  ok(oldest.trimmed);
  const newest = boundPage(page, threeFit, "newest");
  deepEqual(newest.messages.map(({ seq }) => seq), [7, 8, 9]);

  const all = boundPage(page, 1_000_000, "oldest");
  equal(all.messages.length, 9);
  ok(!all.trimmed);
  const huge = [message(1, "é".repeat(10_000)), message(2)];
  deepEqual(boundPage(huge, 100, "oldest").messages.map(({ seq }) => seq), [1]);
  deepEqual(boundPage([], 100, "newest"), { messages: [], trimmed: false });
});

Deno.test("a page that fits its budget fits the bound once serialized in its frame", () => {
  const page = [...sampleTexts(300)].map((text, index) => message(index + 1, text.repeat(20)));
  const frame = { type: "history", room: "general", more: true, messages: [] };
  const shell = bytesOf(JSON.stringify(frame));
  for (const budget of [1_000, 10_000, 100_000]) {
    const bounded = boundPage(page, budget, "newest");
    const sent = bytesOf(JSON.stringify({ ...frame, messages: bounded.messages }));
    ok(sent <= shell + budget, `${sent} bytes for a budget of ${budget}`);
  }
});

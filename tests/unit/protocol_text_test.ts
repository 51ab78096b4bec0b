/**
 * The one rule for a message text's length (`lib/protocol/text.ts`): code
 * points, as people count characters, whatever UTF-16 needs for them.
 */
import { deepEqual, equal } from "node:assert/strict";
import { checkTextLength, textLength } from "../../lib/protocol/text.ts";

Deno.test("textLength counts code points: an emoji or a rare CJK character is one", () => {
  for (
    const [text, length] of [
      ["", 0],
      ["hello", 5],
      ["naïve ☕", 7],
      ["👋", 1],
      ["hi 👋🏽", 5], // the skin tone is a code point of its own
      ["𠀋𠀋", 2],
      ["\ud800", 1], // a lone high surrogate
      ["\udc00x\ud83d", 3], // lone surrogates at either end
    ] as const
  ) {
    equal(textLength(text), length, JSON.stringify(text));
    equal(textLength(text), [...text].length, `agrees with the string iterator: ${text}`);
  }
});

Deno.test("checkTextLength: within the limit by code points, even when UTF-16 is longer", () => {
  const emoji = "🙂".repeat(4_000);
  equal(emoji.length, 8_000);
  deepEqual(checkTextLength(emoji, 4_000), { ok: true, length: 4_000 });
  deepEqual(checkTextLength(`${emoji}!`, 4_000), {
    ok: false,
    length: 4_001,
    message: "a message has at most 4000 characters; this one has 4001",
  });
});

import assert from "node:assert/strict";
import {
  countLabel,
  dayKey,
  dayLabel,
  secondsUntil,
  typingText,
} from "../../components/chat/format.ts";

const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).getTime();

Deno.test("dayLabel: Today, Yesterday, then the date (with the year only when it differs)", () => {
  const now = at(2025, 3, 10, 9);
  assert.equal(dayLabel(at(2025, 3, 10, 0), now), "Today");
  assert.equal(dayLabel(at(2025, 3, 9, 23), now), "Yesterday");
  const older = dayLabel(at(2025, 3, 2), now);
  assert.ok(!/2025/.test(older), older);
  assert.match(dayLabel(at(2024, 12, 31), now), /2024/);
  assert.equal(dayLabel(at(2024, 12, 31), at(2025, 1, 1)), "Yesterday", "across a year end");
});

Deno.test("dayKey: equal within a local day, different across midnight", () => {
  assert.equal(dayKey(at(2025, 3, 10, 0)), dayKey(at(2025, 3, 10, 23)));
  assert.notEqual(dayKey(at(2025, 3, 10, 23)), dayKey(at(2025, 3, 11, 0)));
});

Deno.test("typingText names one or two people, and counts more", () => {
  assert.equal(typingText([]), "");
  assert.equal(typingText(["ada"]), "ada is typing…");
  assert.equal(typingText(["ada", "bob"]), "ada and bob are typing…");
  assert.equal(typingText(["ada", "bob", "cy"]), "3 people are typing…");
  assert.equal(typingText(["ada", "bob"], 1), "ada, bob and 1 other are typing…");
  assert.equal(typingText([], 1_204), "1\u00a0204 others are typing…");
});

Deno.test("countLabel sets thousands apart with a no-break space", () => {
  assert.equal(countLabel(7), "7");
  assert.equal(countLabel(284), "284");
  assert.equal(countLabel(1_284), "1\u00a0284");
  assert.equal(countLabel(10_000), "10\u00a0000");
  assert.equal(countLabel(1_234_567), "1\u00a0234\u00a0567");
});

Deno.test("secondsUntil rounds up and never shows 0 before the time", () => {
  assert.equal(secondsUntil(10_000, 6_000), 4);
  assert.equal(secondsUntil(10_000, 9_999), 1);
  assert.equal(secondsUntil(10_000, 6_500), 4);
  assert.equal(secondsUntil(10_000, 10_000), 0);
  assert.equal(secondsUntil(10_000, 12_000), 0);
});

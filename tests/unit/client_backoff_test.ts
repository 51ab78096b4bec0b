import assert from "node:assert/strict";
import { BACKOFF_PRESETS, createBackoff } from "../../lib/client/backoff.ts";
import { createSeededRandom } from "../../lib/time/random.ts";

Deno.test("default backoff doubles from 1 s to the 12 s cap over 8 attempts", () => {
  const backoff = createBackoff({ random: createSeededRandom(7) });
  const bases = Array.from({ length: 8 }, (_, i) => backoff.baseDelay(i + 1));
  assert.deepEqual(bases, [1_000, 2_000, 4_000, 8_000, 12_000, 12_000, 12_000, 12_000]);
  assert.equal(backoff.maxAttempts, 8);
});

Deno.test("proportional jitter stays within ±20 % and never above the cap", () => {
  const backoff = createBackoff({ random: createSeededRandom(42) });
  for (let run = 0; run < 200; run++) {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const base = backoff.baseDelay(attempt);
      const delay = backoff.delay(attempt);
      assert.ok(delay >= Math.round(base * 0.8), `attempt ${attempt}: ${delay} < 80 % of ${base}`);
      assert.ok(delay <= Math.min(12_000, Math.round(base * 1.2)), `attempt ${attempt}: ${delay}`);
    }
  }
});

Deno.test("jitter actually spreads delays", () => {
  const backoff = createBackoff({ random: createSeededRandom(3) });
  const delays = new Set(Array.from({ length: 50 }, () => backoff.delay(3)));
  assert.ok(delays.size > 10);
});

Deno.test("a seeded random source gives the same sequence on every run", () => {
  const sequence = () => {
    const backoff = createBackoff({ random: createSeededRandom(99) });
    return Array.from({ length: 8 }, (_, i) => backoff.delay(i + 1));
  };
  assert.deepEqual(sequence(), sequence());
});

Deno.test("full jitter draws from [0, base]", () => {
  const backoff = createBackoff({ jitterMode: "full", random: createSeededRandom(5) });
  const delays = Array.from({ length: 300 }, () => backoff.delay(4));
  assert.ok(delays.every((ms) => ms >= 0 && ms <= 8_000));
  assert.ok(Math.min(...delays) < 2_000 && Math.max(...delays) > 6_000);
});

Deno.test("presets: immediate never waits, aggressive is short", () => {
  const immediate = createBackoff({ preset: "immediate" });
  assert.deepEqual([1, 2, 50].map(immediate.delay), [0, 0, 0]);
  const aggressive = createBackoff({ preset: "aggressive", jitter: 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(aggressive.delay), [
    250,
    500,
    1_000,
    2_000,
    4_000,
    4_000,
  ]);
  assert.equal(aggressive.maxAttempts, BACKOFF_PRESETS.aggressive.maxAttempts);
});

Deno.test("overrides replace the preset's values", () => {
  const backoff = createBackoff({ baseDelaysMs: [100], capMs: 500, jitter: 0, maxAttempts: 3 });
  assert.deepEqual([1, 2, 3, 4, 5].map(backoff.delay), [100, 200, 400, 500, 500]);
  assert.equal(backoff.maxAttempts, 3);
});

Deno.test("bad options are refused with a clear error", () => {
  assert.throws(() => createBackoff({ baseDelaysMs: [] }), /baseDelaysMs/);
  assert.throws(() => createBackoff({ capMs: -1 }), /capMs/);
  assert.throws(() => createBackoff({ jitter: 1.5 }), /jitter/);
  assert.throws(() => createBackoff({ maxAttempts: 0 }), /maxAttempts/);
});

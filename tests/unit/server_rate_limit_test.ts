import { deepEqual, equal } from "node:assert/strict";
import { createKeyedLimiter, createTokenBucket } from "../../lib/server/limits/token_bucket.ts";
import { createFrameRateLimit } from "../../lib/server/session/frame_rate_limit.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

Deno.test("token bucket: a burst, then one token per 1/rate seconds", () => {
  const clock = createVirtualClock();
  const bucket = createTokenBucket({ burst: 3, perSecond: 2, clock });
  equal(
    [bucket.take(), bucket.take(), bucket.take(), bucket.take()].join(),
    "true,true,true,false",
  );
  equal(bucket.retryAfterMs(), 500);
  clock.advance(250);
  equal(bucket.take(), false);
  equal(bucket.retryAfterMs(), 250);
  clock.advance(250);
  equal(bucket.take(), true);
  clock.advance(60_000);
  equal(
    [bucket.take(), bucket.take(), bucket.take(), bucket.take()].join(),
    "true,true,true,false",
  );
});

Deno.test("keyed limiter: keys have separate buckets", () => {
  const clock = createVirtualClock();
  const limiter = createKeyedLimiter({ burst: 1, perSecond: 0.1, clock });
  equal(limiter.take("ada"), 0);
  equal(limiter.take("ada"), 10_000);
  equal(limiter.take("bob"), 0);
  clock.advance(10_000);
  equal(limiter.take("ada"), 0);
});

/** A virtual clock that counts how often it is read: the work a limiter does per `take`. */
function countingClock() {
  const clock = createVirtualClock();
  let reads = 0;
  return {
    clock: { ...clock, now: () => (reads++, clock.now()) },
    advance: (ms: number) => clock.advance(ms),
    reads: () => reads,
  };
}

Deno.test("keyed limiter: a take costs O(1) however many keys are held", () => {
  const { clock, reads } = countingClock();
  const limiter = createKeyedLimiter({ burst: 5, perSecond: 5 / 60, clock });
  // 20 000 keys, each still refilling: none may be forgotten yet.
  for (let i = 0; i < 20_000; i++) limiter.take(`address-${i}`);
  equal(limiter.size, 20_000);
  const before = reads();
  for (let i = 0; i < 2_000; i++) limiter.take(`other-${i}`);
  // Reading every bucket on every take (as the scan above 10 000 keys did) is 20 000 per take.
  const perTake = (reads() - before) / 2_000;
  equal(perTake <= 3, true, `${perTake} clock reads per take`);
  equal(limiter.size, 22_000);
});

Deno.test("keyed limiter: buckets are forgotten once refilled, never before", () => {
  const { clock, advance } = countingClock();
  const limiter = createKeyedLimiter({ burst: 5, perSecond: 5 / 60, clock });
  for (let i = 0; i < 5; i++) equal(limiter.take("ada"), 0);
  equal(limiter.take("ada") > 0, true, "ada is limited");
  for (let i = 0; i < 20_000; i++) limiter.take(`address-${i}`);
  advance(5_000);
  equal(limiter.take("ada") > 0, true, "ada is still limited: her bucket was kept");
  equal(limiter.size, 20_001);

  // A minute later every bucket has refilled; the next take forgets them all at once.
  advance(60_000);
  limiter.take("bob");
  equal(limiter.size, 1);
  equal(limiter.take("ada"), 0);
});

Deno.test("keyed limiter: at most maxKeys buckets, dropping the least recently used", () => {
  const { clock } = countingClock();
  const limiter = createKeyedLimiter({ burst: 1, perSecond: 1 / 60, clock, maxKeys: 1_000 });
  limiter.take("ada");
  for (let i = 0; i < 5_000; i++) {
    limiter.take(`invented-${i}`);
    if (i % 100 === 0) limiter.take("ada"); // ada keeps using hers, so hers is kept
  }
  equal(limiter.size, 1_000);
  equal(limiter.take("ada") > 0, true);
});

Deno.test("frame rate limit: refusals carry retry_after; 3× the rate for the window is abuse", () => {
  const clock = createVirtualClock();
  const limit = createFrameRateLimit({
    burst: 20,
    perSecond: 5,
    abuseFactor: 3,
    abuseWindowMs: 10_000,
    clock,
  });
  for (let i = 0; i < 20; i++) deepEqual(limit.check(), { allowed: true });
  deepEqual(limit.check(), { allowed: false, retryAfterMs: 200, abusive: false });

  // 15 frames a second for 10 s: 5 a second pass, 10 a second are refused.
  let abusive = false;
  for (let second = 0; second < 10 && !abusive; second++) {
    for (let i = 0; i < 15 && !abusive; i++) {
      const verdict = limit.check();
      if (!verdict.allowed) abusive = verdict.abusive;
      clock.advance(1000 / 15);
    }
  }
  equal(abusive, true);
});

Deno.test("frame rate limit: twice the rate is refused but never abusive", () => {
  const clock = createVirtualClock();
  const limit = createFrameRateLimit({
    burst: 20,
    perSecond: 5,
    abuseFactor: 3,
    abuseWindowMs: 10_000,
    clock,
  });
  let refused = 0;
  for (let i = 0; i < 10 * 60; i++) {
    const verdict = limit.check();
    if (!verdict.allowed) {
      refused++;
      equal(verdict.abusive, false);
    }
    clock.advance(100);
  }
  equal(refused > 0, true);
});

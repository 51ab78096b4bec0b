import { deepEqual, equal } from "node:assert/strict";
import { createKeyedLimiter, createTokenBucket } from "../../lib/server/token_bucket.ts";
import { createFrameRateLimit } from "../../lib/server/frame_rate_limit.ts";
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
  equal(bucket.isFull(), false);
  clock.advance(60_000);
  equal(bucket.isFull(), true);
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

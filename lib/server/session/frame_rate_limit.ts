/**
 * The inbound frame limit of one connection: a token bucket (burst 20, 5 a
 * second by default), plus abuse detection. A refused frame is answered with
 * `rate_limited`; a connection that keeps sending at `abuseFactor` times its
 * rate for a whole abuse window is abusive and gets closed with 4429.
 *
 * Refusals are counted over a window that opens at the first refusal. At
 * `abuseFactor` times the rate, a window sees `(abuseFactor - 1) * perSecond`
 * refusals a second (the bucket lets `perSecond` of them through), so more
 * refusals than that over the window means sustained abuse.
 *
 * @example
 * ```ts
 * const limit = createFrameRateLimit({ burst: 20, perSecond: 5, abuseFactor: 3, abuseWindowMs: 10_000, clock });
 * limit.check(); // { allowed: true }
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import { createTokenBucket, type TokenBucket } from "../limits/mod.ts";

/** The verdict on one frame. */
export type RateVerdict =
  | { allowed: true }
  | { allowed: false; retryAfterMs: number; abusive: boolean };

/** Sizes of a {@linkcode FrameRateLimit}. */
export interface FrameRateLimitOptions {
  burst: number;
  perSecond: number;
  abuseFactor: number;
  abuseWindowMs: number;
  clock: Clock;
}

/** The rate limit of one connection. */
export interface FrameRateLimit {
  /** Charges one frame. */
  check(): RateVerdict;
}

/** The verdict on every allowed frame: one object, since it carries nothing else. */
const ALLOWED: RateVerdict = Object.freeze({ allowed: true });

/** A connection's limit in a class, so its method is shared by every connection. */
class FrameLimit implements FrameRateLimit {
  #bucket: TokenBucket;
  #clock: Clock;
  #abuseWindowMs: number;
  #abusiveRefusals: number;
  #windowStart = -Infinity;
  #refusals = 0;

  constructor(options: FrameRateLimitOptions) {
    const { perSecond, abuseFactor, abuseWindowMs, clock } = options;
    this.#bucket = createTokenBucket(options);
    this.#clock = clock;
    this.#abuseWindowMs = abuseWindowMs;
    this.#abusiveRefusals = (abuseFactor - 1) * perSecond * (abuseWindowMs / 1000);
  }

  check(): RateVerdict {
    if (this.#bucket.take()) return ALLOWED;
    const now = this.#clock.now();
    if (now - this.#windowStart >= this.#abuseWindowMs) {
      this.#windowStart = now;
      this.#refusals = 0;
    }
    this.#refusals++;
    return {
      allowed: false,
      retryAfterMs: this.#bucket.retryAfterMs(),
      abusive: this.#refusals > this.#abusiveRefusals,
    };
  }
}

/** Creates a {@linkcode FrameRateLimit}. */
export function createFrameRateLimit(options: FrameRateLimitOptions): FrameRateLimit {
  return new FrameLimit(options);
}

/**
 * The token bucket behind every rate limit: holds up to `burst` tokens, gains
 * `perSecond` tokens a second, and each action takes one.
 *
 * @example
 * ```ts
 * const bucket = createTokenBucket({ burst: 2, perSecond: 1, clock: createVirtualClock() });
 * bucket.take(); // true
 * bucket.take(); // true
 * bucket.take(); // false; bucket.retryAfterMs() === 1000
 * ```
 */
import type { Clock } from "../time/clock.ts";

/** Sizes of a bucket. */
export interface BucketOptions {
  burst: number;
  perSecond: number;
  clock: Clock;
}

/** One token bucket. */
export interface TokenBucket {
  /** Takes a token if there is one. */
  take(): boolean;
  /** Milliseconds until a token is available (0 if one is). */
  retryAfterMs(): number;
  /** Whether the bucket is back to its full burst, i.e. indistinguishable from a new one. */
  isFull(): boolean;
}

/** Creates a full {@linkcode TokenBucket}. */
export function createTokenBucket({ burst, perSecond, clock }: BucketOptions): TokenBucket {
  let tokens = burst;
  let updatedAt = clock.now();

  const refill = () => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - updatedAt) / 1000) * perSecond);
    updatedAt = now;
  };

  return {
    take() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    retryAfterMs() {
      refill();
      return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / perSecond) * 1000);
    },
    isFull() {
      refill();
      return tokens >= burst;
    },
  };
}

/** Token buckets by key (a name, an address), created on first use. */
export interface KeyedLimiter {
  /** Takes a token from `key`'s bucket: 0 if allowed, else milliseconds to wait. */
  take(key: string): number;
}

/** Beyond this many keys, full buckets are forgotten so the map stays bounded by activity. */
const PRUNE_ABOVE = 10_000;

/** Creates a {@linkcode KeyedLimiter} whose buckets all have the same sizes. */
export function createKeyedLimiter(options: BucketOptions): KeyedLimiter {
  const buckets = new Map<string, TokenBucket>();
  return {
    take(key) {
      if (buckets.size > PRUNE_ABOVE) {
        for (const [other, bucket] of buckets) if (bucket.isFull()) buckets.delete(other);
      }
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, bucket = createTokenBucket(options));
      return bucket.take() ? 0 : bucket.retryAfterMs();
    },
  };
}

/**
 * The token bucket behind every rate limit: holds up to `burst` tokens, gains
 * `perSecond` tokens a second, and each action takes one.
 *
 * Written here, not taken from a library: it runs for every frame on the hot
 * path, where a few lines of arithmetic on an injected clock beat any package
 * (rate-limiter libraries add stores, promises or timers, and take the system
 * clock, which virtual-time tests cannot drive).
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

/**
 * A bucket's state in a class, not in closures: every connection holds one, so
 * its methods are shared rather than made anew per bucket.
 */
class Bucket implements TokenBucket {
  #burst: number;
  #perSecond: number;
  #clock: Clock;
  #tokens: number;
  #updatedAt: number;

  constructor({ burst, perSecond, clock }: BucketOptions) {
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#clock = clock;
    this.#tokens = burst;
    this.#updatedAt = clock.now();
  }

  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  retryAfterMs(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000);
  }

  isFull(): boolean {
    this.#refill();
    return this.#tokens >= this.#burst;
  }

  #refill() {
    const now = this.#clock.now();
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#updatedAt) / 1000) * this.#perSecond,
    );
    this.#updatedAt = now;
  }
}

/** Creates a full {@linkcode TokenBucket}. */
export function createTokenBucket(options: BucketOptions): TokenBucket {
  return new Bucket(options);
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

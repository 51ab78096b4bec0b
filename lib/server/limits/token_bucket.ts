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
import type { Clock } from "../../time/clock.ts";

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
  /** How many keys have a bucket now. */
  readonly size: number;
}

/** Options of {@linkcode createKeyedLimiter}. */
export interface KeyedLimiterOptions extends BucketOptions {
  /**
   * Most keys kept at once (default 100 000): beyond it the least recently
   * used bucket is dropped even if not yet full, so memory is bounded whatever
   * the number of keys an attacker invents.
   */
  maxKeys?: number;
}

/** One key's bucket and when it was last used. */
interface Entry {
  bucket: TokenBucket;
  usedAt: number;
}

/**
 * Creates a {@linkcode KeyedLimiter} whose buckets all have the same sizes.
 *
 * Buckets are kept in a `Map` in the order they were last used (a use moves
 * its key to the end). A bucket unused for `burst / perSecond` seconds has
 * refilled, so it is indistinguishable from a new one and can be dropped; as
 * the oldest-used come first, each `take` drops from the front until it meets
 * one still refilling, and stops there. Every bucket is added and dropped at
 * most once per use, so a `take` costs O(1) amortised, however many keys there are.
 *
 * @example
 * ```ts
 * const perAddress = createKeyedLimiter({ burst: 20, perSecond: 20 / 60, clock });
 * const waitMs = perAddress.take("203.0.113.9"); // 0: go ahead
 * ```
 */
export function createKeyedLimiter(options: KeyedLimiterOptions): KeyedLimiter {
  const { clock, maxKeys = 100_000 } = options;
  const refillMs = (options.burst / options.perSecond) * 1000;
  const entries = new Map<string, Entry>();

  const dropIdle = (now: number) => {
    for (const [key, entry] of entries) {
      if (entries.size <= maxKeys && now - entry.usedAt < refillMs) return;
      entries.delete(key);
    }
  };

  return {
    take(key) {
      const now = clock.now();
      let entry = entries.get(key);
      if (entry) entries.delete(key);
      else entry = { bucket: createTokenBucket(options), usedAt: now };
      entry.usedAt = now;
      entries.set(key, entry);
      dropIdle(now);
      return entry.bucket.take() ? 0 : entry.bucket.retryAfterMs();
    },
    get size() {
      return entries.size;
    },
  };
}

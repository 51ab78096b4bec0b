/**
 * The arithmetic of one stored token bucket, the same in every database the
 * rate limits are kept in: a bucket is its tokens at a time `at` (the
 * writer's clock), refilled since at `perSecond` up to `burst`; a bucket
 * never written is full.
 *
 * @example
 * ```ts
 * const { bucket, waitMs } = chargeBucket(spec, stored, clock.now());
 * if (waitMs > 0) return tooManyRequests(waitMs); // `bucket` is still written back
 * ```
 */
import type { BucketSpec } from "./cluster.ts";

/** A bucket as stored: its tokens at `at`. */
export interface StoredBucket {
  tokens: number;
  at: number;
}

/** What taking one token from a bucket did. */
export interface BucketCharge {
  /** The bucket to write back: one token fewer when it had one. */
  bucket: StoredBucket;
  /** 0 when it had a token, else the ms until it has one. */
  waitMs: number;
  /** The ms until the written bucket is full again (after which it may be forgotten). */
  fullInMs: number;
}

/** `bucket`'s tokens at `now`, refilled since it was written; a missing one is full. */
function tokensAt(spec: BucketSpec, bucket: StoredBucket | null, now: number): number {
  if (!bucket) return spec.burst;
  const refilled = bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * spec.perSecond;
  return Math.min(spec.burst, refilled);
}

/** Takes one token from `stored` (null: never written) at `now`, if it has one. */
export function chargeBucket(
  spec: BucketSpec,
  stored: StoredBucket | null,
  now: number,
): BucketCharge {
  let tokens = tokensAt(spec, stored, now);
  let waitMs = 0;
  if (tokens >= 1) tokens -= 1;
  else waitMs = Math.ceil(((1 - tokens) / spec.perSecond) * 1000);
  const fullInMs = Math.ceil(((spec.burst - tokens) / spec.perSecond) * 1000);
  return { bucket: { tokens, at: now }, waitMs, fullInMs };
}

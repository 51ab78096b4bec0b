/**
 * {@linkcode RateLimits} in Deno KV, for both engines: the isolates of one
 * process share the KV file, and Deno Deploy's instances share its database.
 * Each bucket is one entry; a take reads the buckets it charges (one
 * `getMany`) and writes them back in one atomic operation that checks they
 * did not change meanwhile, so a token is never taken twice, by two
 * instances or by two isolates. A lost race is read and tried again.
 *
 * | key | value | why |
 * | --- | --- | --- |
 * | `["rate", name, key]` | `{ tokens, at }`, expiring once it would be full again | one bucket: its tokens at `at` (the writer's clock); a bucket left alone refills, so an expired one is a full one |
 *
 * Costs: a take is one read and one write (plus one of each per lost race).
 * Only sign-ins and guest sign-ups take tokens, and each also hashes a
 * password or writes a refresh token, so that is small beside them.
 *
 * @example
 * ```ts
 * const limits = createKvRateLimits({ kv, clock });
 * const waitMs = await limits.take([{ name: "login", key: "203.0.113.9", burst: 20, perSecond: 1 / 3 }]);
 * if (waitMs > 0) return tooManyRequests(waitMs);
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import { contentionPause, isLockedError } from "../store/mod.ts";
import type { BucketSpec, RateLimits } from "./cluster.ts";
import { chargeBucket, type StoredBucket } from "./token_bucket.ts";

/** Options of {@linkcode createKvRateLimits}. */
export interface KvRateLimitsOptions {
  kv: Deno.Kv;
  clock: Clock;
  /** Lost races tried again before the take counts as limited. Default 20. */
  maxAttempts?: number;
}

/** The key of a bucket. */
export function rateBucketKey(name: string, key: string): Deno.KvKey {
  return ["rate", name, key];
}

/** Creates {@linkcode RateLimits} kept in `kv`. */
export function createKvRateLimits(options: KvRateLimitsOptions): RateLimits {
  const { kv, clock } = options;
  const maxAttempts = options.maxAttempts ?? 20;

  /** One try: the wait, or null when another take changed a bucket first. */
  const tryTake = async (buckets: readonly BucketSpec[]): Promise<number | null> => {
    const keys = buckets.map((spec) => rateBucketKey(spec.name, spec.key));
    const entries = await kv.getMany<StoredBucket[]>(keys);
    const now = clock.now();
    const operation = kv.atomic();
    let waitMs = 0;
    buckets.forEach((spec, index) => {
      const charge = chargeBucket(spec, entries[index].value, now);
      waitMs = Math.max(waitMs, charge.waitMs);
      operation.check(entries[index]).set(keys[index], charge.bucket, {
        // Kept a little past full: an entry that expired early would only be full sooner.
        expireIn: charge.fullInMs + 60_000,
      });
    });
    try {
      return (await operation.commit()).ok ? waitMs : null;
    } catch (error) {
      if (isLockedError(error)) return null;
      throw error;
    }
  };

  return {
    async take(buckets) {
      if (buckets.length === 0) return 0;
      // getMany reads at most 10 keys: the limits of one request are far fewer.
      if (buckets.length > 10) throw new RangeError("at most 10 buckets per take");
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const waitMs = await tryTake(buckets);
        if (waitMs !== null) return waitMs;
        await contentionPause(attempt);
      }
      // A bucket this contended is being hammered: hold the caller back a second.
      return 1_000;
    },
  };
}

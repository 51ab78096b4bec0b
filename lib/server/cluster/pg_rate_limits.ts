/**
 * {@linkcode RateLimits} in PostgreSQL, for the local engine on
 * `DATABASE_URL`: one row of `rate_buckets` per bucket. A take is one
 * transaction that locks the rows of its buckets (an upsert that creates a
 * missing row full, in key order so that two takes sharing buckets never
 * deadlock), charges each and writes it back, so a token is never taken
 * twice, by two isolates or by two processes.
 *
 * A bucket once full again is the same as no row: at most once a minute a
 * take deletes a bounded batch of those, so addresses that came once do not
 * stay in the table.
 *
 * Costs: a take is one transaction of two statements per bucket.
 *
 * @example
 * ```ts
 * const limits = createPgRateLimits({ sql: pg.sql, clock });
 * const waitMs = await limits.take([{ name: "login", key: "203.0.113.9", burst: 20, perSecond: 1 / 3 }]);
 * if (waitMs > 0) return tooManyRequests(waitMs);
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { Sql } from "../postgres/mod.ts";
import type { BucketSpec, RateLimits } from "./cluster.ts";
import { chargeBucket, type StoredBucket } from "./token_bucket.ts";

/** Options of {@linkcode createPgRateLimits}. */
export interface PgRateLimitsOptions {
  sql: Sql;
  clock: Clock;
}

/** Full buckets are deleted at most this often, by a take. */
const PRUNE_EVERY_MS = 60_000;
/** Most rows one prune deletes, so that it never holds a take up for long. */
const PRUNE_BATCH = 1_000;
/** Most buckets one take charges: the limits of one request are far fewer. */
const MAX_BUCKETS = 10;

/** Buckets in the order their rows are locked. */
function inLockOrder(buckets: readonly BucketSpec[]): BucketSpec[] {
  const order = (spec: BucketSpec) => `${spec.name}\u0000${spec.key}`;
  return [...buckets].sort((a, b) => order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0);
}

/** Creates {@linkcode RateLimits} kept in PostgreSQL (table `rate_buckets`). */
export function createPgRateLimits({ sql, clock }: PgRateLimitsOptions): RateLimits {
  let prunedAt = -Infinity;
  const pruneFull = async (now: number) => {
    if (now - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now;
    try {
      await sql`
        delete from rate_buckets where (name, key) in (
          select name, key from rate_buckets where full_at <= ${now} limit ${PRUNE_BATCH})
        and full_at <= ${now}`;
    } catch {
      // Left for the next take: this one has already been answered.
      prunedAt = -Infinity;
    }
  };

  return {
    async take(buckets) {
      if (buckets.length === 0) return 0;
      if (buckets.length > MAX_BUCKETS) {
        throw new RangeError(`at most ${MAX_BUCKETS} buckets per take`);
      }
      const now = clock.now();
      const waitMs = await sql.begin(async (tx) => {
        let wait = 0;
        for (const spec of inLockOrder(buckets)) {
          // Creates the row full, or locks the existing one unchanged, and answers it either way.
          const [stored] = await tx<StoredBucket[]>`
            insert into rate_buckets (name, key, tokens, at, full_at)
            values (${spec.name}, ${spec.key}, ${spec.burst}, ${now}, ${now})
            on conflict (name, key) do update set tokens = rate_buckets.tokens
            returning tokens, at`;
          const charge = chargeBucket(spec, stored, now);
          wait = Math.max(wait, charge.waitMs);
          await tx`
            update rate_buckets
            set tokens = ${charge.bucket.tokens}, at = ${now}, full_at = ${now + charge.fullInMs}
            where name = ${spec.name} and key = ${spec.key}`;
        }
        return wait;
      });
      await pruneFull(now);
      return waitMs;
    },
  };
}

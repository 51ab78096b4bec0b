/**
 * A {@linkcode Lease} in PostgreSQL: one row of `leases` per lease, with its
 * holder, expiry and fencing token (a new random one at each take or
 * renewal). Taking it is one statement that inserts the row or overwrites it
 * only where it is free (expired, or this holder's), so of holders racing
 * for a free lease exactly one gets the row back. A write under the lease
 * runs {@linkcode pgLeaseHeld} in its own transaction first: that locks the
 * row (`for share`), so the lease cannot change hands until the write
 * commits, and answers whether the hold is still the current one.
 *
 * Costs: `acquire`, `renew` and `release` are one statement each.
 *
 * @example
 * ```ts
 * const lease = createPgLease({ sql: pg.sql, clock, name: "status_history", holder: "a1b2c3d4" });
 * const hold = await lease.acquire();
 * if (hold) await pg.sql.begin(async (tx) => {
 *   if (await pgLeaseHeld(tx, hold)) await tx`insert into work values (1)`;
 * });
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { Sql, TransactionSql } from "../postgres/mod.ts";
import type { Lease, LeaseHold } from "./lease.ts";

/** Options of {@linkcode createPgLease}. */
export interface PgLeaseOptions {
  sql: Sql;
  clock: Clock;
  name: string;
  /** Who asks: unique per instance (an isolate id). */
  holder: string;
  /** How long a hold lasts without renewal. Default 30 s. */
  ttlMs?: number;
}

/**
 * Whether `hold` is still the lease's current hold, locking the lease's row
 * until `tx` ends so that it stays so while the fenced write commits.
 */
export async function pgLeaseHeld(tx: TransactionSql, hold: LeaseHold): Promise<boolean> {
  const rows = await tx`
    select 1 from leases where name = ${hold.name} and token = ${hold.token} for share`;
  return rows.length === 1;
}

/**
 * Creates a {@linkcode Lease} kept in PostgreSQL (table `leases`).
 *
 * @example
 * ```ts
 * const lease = createPgLease({ sql, clock, name: "status_history", holder: instance });
 * ```
 */
export function createPgLease(options: PgLeaseOptions): Lease {
  const { sql, clock, name, holder } = options;
  const ttlMs = options.ttlMs ?? 30_000;
  if (!(ttlMs > 0)) throw new RangeError("ttlMs must be positive");

  const holdOf = (token: string, expiresAt: number): LeaseHold => ({
    name,
    holder,
    token,
    expiresAt,
  });

  return {
    name,
    ttlMs,
    async acquire() {
      const now = clock.now();
      const token = crypto.randomUUID();
      const taken = await sql`
        insert into leases (name, holder, token, expires_at)
        values (${name}, ${holder}, ${token}, ${now + ttlMs})
        on conflict (name) do update
          set holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at
          where leases.holder = excluded.holder or leases.expires_at <= ${now}
        returning 1`;
      return taken.length === 1 ? holdOf(token, now + ttlMs) : null;
    },
    async renew(hold) {
      const expiresAt = clock.now() + ttlMs;
      const token = crypto.randomUUID();
      const renewed = await sql`
        update leases set token = ${token}, expires_at = ${expiresAt}
        where name = ${name} and token = ${hold.token}
        returning 1`;
      return renewed.length === 1 ? holdOf(token, expiresAt) : null;
    },
    async release(hold) {
      const released = await sql`delete from leases where name = ${name} and token = ${hold.token}`;
      return released.count === 1;
    },
  };
}

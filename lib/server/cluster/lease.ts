/**
 * A lease: at most one holder at a time among the processes sharing a store,
 * for work that must be done once for the whole cluster (the status history
 * is written by one instance, not by each). A holder renews it before it
 * expires; one that stops renewing loses it after `ttlMs`, and another may
 * take it.
 *
 * Expiry alone cannot stop a holder that paused (a long GC, a frozen VM) and
 * wakes up believing it still holds the lease. So every hold carries a fencing
 * `token`, which changes each time the lease is taken or renewed, and the
 * writes done under the lease check it in the same transaction as the write
 * (`status_history/kv_store.ts` does): a stale holder's write is refused.
 *
 * Expiry is judged on the clock of whoever looks at the lease, so the clocks
 * of the instances must agree to well within `ttlMs` (30 s by default).
 *
 * @example
 * ```ts
 * const lease = createKvLease({ kv, clock, name: "status_history", holder: instance });
 * let hold = await lease.acquire(); // null while another holds it
 * if (hold) hold = await lease.renew(hold); // null once lost
 * if (hold) await lease.release(hold);
 * ```
 */

/** A lease while one holds it. */
export interface LeaseHold {
  /** Which lease. */
  readonly name: string;
  /** Who holds it. */
  readonly holder: string;
  /** The fencing token: writes under the lease check that it is still the current one. */
  readonly token: string;
  /** When it expires unless renewed (the holder's clock). */
  readonly expiresAt: number;
}

/** A named lease in a shared store. */
export interface Lease {
  /** The lease's name. */
  readonly name: string;
  /** How long a hold lasts without renewal. */
  readonly ttlMs: number;
  /**
   * Takes the lease if nobody holds it, its holder let it expire, or this
   * holder already holds it; null while another holds it. Never throws for
   * a busy lease; a failing store rejects.
   */
  acquire(): Promise<LeaseHold | null>;
  /** Extends a hold: the new hold (with a new token), or null if it was lost meanwhile. */
  renew(hold: LeaseHold): Promise<LeaseHold | null>;
  /** Gives the lease up now, so another can take it without waiting; false if it was lost already. */
  release(hold: LeaseHold): Promise<boolean>;
}

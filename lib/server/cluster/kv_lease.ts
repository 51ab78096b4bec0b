/**
 * A {@linkcode Lease} in Deno KV: one entry per lease, taken and renewed by
 * atomic operations that check the entry's versionstamp, which is also the
 * fencing token. A write under the lease adds {@linkcode leaseCheck} to its
 * own atomic operation, so it commits only while the lease entry is exactly
 * as this holder last wrote it: once another instance took the lease (or the
 * holder renewed it since), the old token's writes fail.
 *
 * | key | value | why |
 * | --- | --- | --- |
 * | `["lease", name]` | `{ holder, expires_at }`, expiring (in real time) after 10 × `ttlMs` | who holds the lease and until when (the reader's clock judges); the expiry only clears leases nobody renews any more |
 *
 * Costs: `acquire` is one read, plus one atomic write when the lease is
 * free; `renew` and `release` are one atomic write each.
 *
 * @example
 * ```ts
 * const lease = createKvLease({ kv, clock, name: "status_history", holder: "a1b2c3d4" });
 * const hold = await lease.acquire();
 * if (hold) await kv.atomic().check(leaseCheck(hold)).set(["work"], 1).commit();
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import { retryWhenLocked } from "../store/mod.ts";
import type { Lease, LeaseHold } from "./lease.ts";

/** The key of the lease called `name`. */
export function leaseKey(name: string): Deno.KvKey {
  return ["lease", name];
}

/** The check that fences a write: it commits only while `hold` is the lease's current hold. */
export function leaseCheck(hold: LeaseHold): Deno.AtomicCheck {
  return { key: leaseKey(hold.name), versionstamp: hold.token };
}

interface LeaseValue {
  holder: string;
  expires_at: number;
}

/** Options of {@linkcode createKvLease}. */
export interface KvLeaseOptions {
  kv: Deno.Kv;
  clock: Clock;
  name: string;
  /** Who asks: unique per instance (an isolate id). */
  holder: string;
  /** How long a hold lasts without renewal. Default 30 s. */
  ttlMs?: number;
}

/**
 * Creates a {@linkcode Lease} kept in `kv`.
 *
 * @example
 * ```ts
 * const lease = createKvLease({ kv, clock, name: "status_history", holder: instance });
 * ```
 */
export function createKvLease(options: KvLeaseOptions): Lease {
  const { kv, clock, name, holder } = options;
  const ttlMs = options.ttlMs ?? 30_000;
  if (!(ttlMs > 0)) throw new RangeError("ttlMs must be positive");
  const key = leaseKey(name);

  /** Writes a hold for this holder, if the entry is still at `versionstamp`. */
  const take = async (versionstamp: string | null): Promise<LeaseHold | null> => {
    const expiresAt = clock.now() + ttlMs;
    const value: LeaseValue = { holder, expires_at: expiresAt };
    const result = await retryWhenLocked(() =>
      kv.atomic()
        .check({ key, versionstamp })
        .set(key, value, { expireIn: 10 * ttlMs })
        .commit()
    );
    return result.ok ? { name, holder, token: result.versionstamp, expiresAt } : null;
  };

  return {
    name,
    ttlMs,
    async acquire() {
      const entry = await kv.get<LeaseValue>(key);
      const held = entry.value;
      if (held && held.holder !== holder && held.expires_at > clock.now()) return null;
      return await take(entry.versionstamp);
    },
    renew: (hold) => take(hold.token),
    async release(hold) {
      const result = await retryWhenLocked(() =>
        kv.atomic().check(leaseCheck(hold)).delete(key).commit()
      );
      return result.ok;
    },
  };
}

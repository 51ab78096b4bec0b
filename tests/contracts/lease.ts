/**
 * The contract every {@linkcode Lease} implementation passes, in virtual
 * time. An engine's test file runs it with a factory of its own:
 *
 * @example
 * ```ts
 * leaseContract("kv", async () => {
 *   const kv = await Deno.openKv(":memory:");
 *   return {
 *     lease: (holder, clock, ttlMs) => createKvLease({ kv, clock, name: "l", holder, ttlMs }),
 *     fencedWrite: async (hold, value) =>
 *       (await kv.atomic().check(leaseCheck(hold)).set(["w"], value).commit()).ok,
 *     written: async () => (await kv.get<string>(["w"])).value,
 *     close: () => kv.close(),
 *   };
 * });
 * ```
 */
import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import type { Lease, LeaseHold } from "../../lib/server/cluster/mod.ts";
import { type Clock, createVirtualClock } from "../../lib/time/clock.ts";

/** One engine's leases, all on one shared store. */
export interface LeaseFixture {
  /** The lease named the same for every holder, on the shared store. */
  lease(holder: string, clock: Clock, ttlMs: number): Lease;
  /** A write fenced by `hold` (in the same transaction): whether it committed. */
  fencedWrite(hold: LeaseHold, value: string): Promise<boolean>;
  /** The last value a fenced write committed. */
  written(): Promise<string | null>;
  close(): Promise<void> | void;
}

const TTL_MS = 30_000;
const START = 1_800_000_000_000;

/** Registers the lease contract's tests for one engine. */
export function leaseContract(engine: string, setup: () => Promise<LeaseFixture>): void {
  const test = (name: string, fn: (fixture: LeaseFixture) => Promise<void>) =>
    Deno.test(`lease (${engine}): ${name}`, async () => {
      const fixture = await setup();
      try {
        await fn(fixture);
      } finally {
        await fixture.close();
      }
    });

  test("one holder at a time; the holder may take it again", async (fixture) => {
    const clock = createVirtualClock(START);
    const a = fixture.lease("a", clock, TTL_MS);
    const b = fixture.lease("b", clock, TTL_MS);
    const hold = await a.acquire();
    ok(hold);
    equal(hold.holder, "a");
    equal(hold.expiresAt, START + TTL_MS);
    equal(await b.acquire(), null);
    clock.advance(TTL_MS - 1);
    equal(await b.acquire(), null, "still held a millisecond before it expires");
    const again = await a.acquire();
    ok(again, "the holder takes its own lease again");
    notEqual(again.token, hold.token);
  });

  test("a lease not renewed expires; the new holder's writes pass, the old one's are fenced", async (fixture) => {
    const clock = createVirtualClock(START);
    const a = fixture.lease("a", clock, TTL_MS);
    const b = fixture.lease("b", clock, TTL_MS);
    const old = await a.acquire();
    ok(old);
    ok(await fixture.fencedWrite(old, "a1"));
    clock.advance(TTL_MS);
    const taken = await b.acquire();
    ok(taken, "an expired lease is free");
    // The old holder wakes up believing it still holds the lease.
    equal(await fixture.fencedWrite(old, "a2"), false);
    equal(await a.renew(old), null, "a lost hold cannot be renewed");
    equal(await a.acquire(), null);
    ok(await fixture.fencedWrite(taken, "b1"));
    equal(await fixture.written(), "b1");
  });

  test("renewing keeps the lease and retires the previous token", async (fixture) => {
    const clock = createVirtualClock(START);
    const a = fixture.lease("a", clock, TTL_MS);
    const b = fixture.lease("b", clock, TTL_MS);
    const first = await a.acquire();
    ok(first);
    clock.advance(TTL_MS / 2);
    const renewed = await a.renew(first);
    ok(renewed);
    equal(renewed.expiresAt, START + TTL_MS / 2 + TTL_MS);
    clock.advance(TTL_MS / 2 + 1);
    equal(await b.acquire(), null, "renewed: held past the first expiry");
    equal(await fixture.fencedWrite(first, "stale"), false);
    ok(await fixture.fencedWrite(renewed, "fresh"));
    equal(await fixture.written(), "fresh");
  });

  test("a released lease is free at once; releasing a lost hold says so", async (fixture) => {
    const clock = createVirtualClock(START);
    const a = fixture.lease("a", clock, TTL_MS);
    const b = fixture.lease("b", clock, TTL_MS);
    const hold = await a.acquire();
    ok(hold);
    equal(await a.release(hold), true);
    const taken = await b.acquire();
    ok(taken);
    equal(await a.release(hold), false);
    equal(await fixture.fencedWrite(hold, "late"), false);
    deepEqual(await b.acquire().then((again) => again?.holder), "b");
  });

  test("two holders racing for a free lease: exactly one wins", async (fixture) => {
    const clock = createVirtualClock(START);
    const holders = ["a", "b", "c", "d"].map((name) => fixture.lease(name, clock, TTL_MS));
    const holds = await Promise.all(holders.map((lease) => lease.acquire()));
    equal(holds.filter((hold) => hold !== null).length, 1);
  });
}

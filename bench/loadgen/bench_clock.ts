/**
 * The bench's clock: the system clock, with `now()` at sub-millisecond
 * resolution. Deliveries on this machine take well under a millisecond, so
 * `Date.now()`'s whole milliseconds would round most of them to 0 or 1. The
 * value stays epoch-based, so stamps taken in different workers compare.
 *
 * @example
 * ```ts
 * const clock = createBenchClock();
 * clock.now(); // e.g. 1763800000000.123
 * ```
 */
import { type Clock, createSystemClock } from "../../lib/time/clock.ts";

/** A {@linkcode Clock} whose `now()` has microsecond resolution. */
export function createBenchClock(): Clock {
  return { ...createSystemClock(), now: () => performance.timeOrigin + performance.now() };
}

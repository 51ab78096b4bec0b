/**
 * Time as a dependency. Everything that waits (backoff, heartbeats, token
 * expiry, rate limits, presence expiry) takes a {@linkcode Clock}, so tests
 * drive it in virtual time instead of sleeping.
 *
 * @example
 * ```ts
 * const clock = createVirtualClock(1_000);
 * let fired = false;
 * clock.setTimeout(() => (fired = true), 500);
 * clock.advance(500); // fired === true, clock.now() === 1_500
 * ```
 */

/** An opaque handle of a pending timer. */
export type TimerId = number;

/** A source of the current time and of timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
  setInterval(callback: () => void, ms: number): TimerId;
  clearInterval(id: TimerId): void;
}

/** The real clock. */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    // Deno's timers return objects that coerce to their numeric id.
    setTimeout: (callback, ms) => Number(setTimeout(callback, ms)),
    clearTimeout: (id) => clearTimeout(id),
    setInterval: (callback, ms) => Number(setInterval(callback, ms)),
    clearInterval: (id) => clearInterval(id),
  };
}

/** A clock that only moves when told to. */
export interface VirtualClock extends Clock {
  /** Moves time forward, firing every timer that falls due, in order. */
  advance(ms: number): void;
  /** Moves time to the next pending timer and fires it; returns false if there is none. */
  runNext(): boolean;
  /** How many timers are pending. */
  pending(): number;
}

interface VirtualTimer {
  id: TimerId;
  due: number;
  every: number | null;
  callback: () => void;
}

/** Creates a {@linkcode VirtualClock} starting at `start` ms. */
export function createVirtualClock(start = 0): VirtualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<TimerId, VirtualTimer>();

  const schedule = (callback: () => void, ms: number, every: number | null): TimerId => {
    const id = nextId++;
    timers.set(id, { id, due: now + Math.max(0, ms), every, callback });
    return id;
  };
  const cancel = (id: TimerId) => void timers.delete(id);

  const earliest = (): VirtualTimer | undefined => {
    let first: VirtualTimer | undefined;
    for (const timer of timers.values()) {
      if (!first || timer.due < first.due || (timer.due === first.due && timer.id < first.id)) {
        first = timer;
      }
    }
    return first;
  };

  const fire = (timer: VirtualTimer) => {
    now = Math.max(now, timer.due);
    if (timer.every === null) timers.delete(timer.id);
    else timer.due += Math.max(1, timer.every);
    timer.callback();
  };

  return {
    now: () => now,
    setTimeout: (callback, ms) => schedule(callback, ms, null),
    clearTimeout: cancel,
    setInterval: (callback, ms) => schedule(callback, ms, ms),
    clearInterval: cancel,
    advance(ms) {
      const target = now + ms;
      for (let timer = earliest(); timer && timer.due <= target; timer = earliest()) fire(timer);
      now = target;
    },
    runNext() {
      const timer = earliest();
      if (!timer) return false;
      fire(timer);
      return true;
    },
    pending: () => timers.size,
  };
}

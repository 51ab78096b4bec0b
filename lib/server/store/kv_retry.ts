/**
 * Several isolates of one process (`deno serve --parallel`) each open the
 * same local KV file, and SQLite lets one writer in at a time: a write that
 * meets another's lock fails with "database is locked" instead of waiting.
 * These helpers retry such writes after a short random pause. (Deno Deploy's
 * KV has no such lock; there the first try succeeds.)
 *
 * @example
 * ```ts
 * await retryWhenLocked(() => kv.set(["greeting"], "hello"));
 * ```
 */

/** Whether an error is SQLite's "database is locked". */
export function isLockedError(error: unknown): boolean {
  return error instanceof Error && /database is locked/i.test(error.message);
}

/**
 * A random pause of up to 1, 2, 4 … 50 ms after the `attempt`th lost race,
 * so contending writers stop colliding in lockstep. Real time on purpose: it
 * is about contention between handles, not the app's clock.
 */
export function contentionPause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(2 ** attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `write`, retrying while the database is locked (up to `attempts` times). */
export async function retryWhenLocked<T>(write: () => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isLockedError(error) || attempt + 1 >= attempts) throw error;
      await contentionPause(attempt);
    }
  }
}

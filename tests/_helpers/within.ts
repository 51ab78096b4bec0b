/**
 * A deadline for a test's wait: what must happen either happens, or the test
 * fails saying what did not come, instead of hanging.
 *
 * @example
 * ```ts
 * const frame = await within(10_000, "the joined frame", socket.next("joined"));
 * ```
 */

/** Resolves with `promise`, or rejects after `ms` saying what did not come. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

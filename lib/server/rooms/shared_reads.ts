/**
 * A read by key (a room's newest page, its closed flag) shared by the callers
 * that ask for it while the same read is under way: they wait for that read to
 * end and share the next one, so a burst of joins into one room costs a read
 * per read's duration, not a read per join. No caller ever gets a read that
 * started before it asked: whatever was committed before a caller asked is in
 * what it gets, exactly as if it had read alone.
 *
 * @example
 * ```ts
 * const latest = createSharedReads((room) => store.latest(room));
 * const [a, b] = await Promise.all([latest("general"), latest("general")]);
 * ```
 */

/** Reads `key` for the callers that asked since the last read started. */
export type SharedReads<T> = (key: string) => Promise<T>;

interface KeyReads<T> {
  /** The read under way, whose callers all asked before it started. */
  running: Promise<T> | null;
  /** The read that starts when `running` ends, for everyone who asks meanwhile. */
  queued: Promise<T> | null;
}

const ignore = () => {};

/** Creates the {@linkcode SharedReads} of `read`; a failed read fails its callers only. */
export function createSharedReads<T>(read: (key: string) => Promise<T>): SharedReads<T> {
  const byKey = new Map<string, KeyReads<T>>();

  const start = (key: string, reads: KeyReads<T>): Promise<T> => {
    const reading = read(key);
    reads.running = reading;
    const ended = () => {
      if (reads.running !== reading) return;
      reads.running = null;
      if (!reads.queued) byKey.delete(key);
    };
    reading.then(ended, ended);
    return reading;
  };

  return (key) => {
    let reads = byKey.get(key);
    if (!reads) {
      reads = { running: null, queued: null };
      byKey.set(key, reads);
    }
    if (reads.queued) return reads.queued;
    const { running } = reads;
    if (!running) return start(key, reads);
    const next = reads;
    next.queued = running.then(ignore, ignore).then(() => {
      next.queued = null;
      return start(key, next);
    });
    return next.queued;
  };
}

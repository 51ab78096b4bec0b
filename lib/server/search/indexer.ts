/**
 * Feeds a {@linkcode SearchIndex} from the rooms' logs, off the ack path: the
 * room service hands it what it committed (`indexCommitted`, which only
 * queues and never waits), and it writes in batches a moment later, one room
 * at a time. The log stays the truth: when what it was handed leaves a gap
 * (another isolate committed the entries between, a queue overflowed, a write
 * failed), it reads the missing entries from the log; after a restart
 * `catchUp` does the same for every room from where the index stands.
 *
 * @example
 * ```ts
 * const indexer = createSearchIndexer({
 *   index: createKvSearchIndex({ kv }),
 *   readLog: async (room, after, limit) => (await store.history(room, { after, limit })).messages,
 *   clock,
 *   log,
 * });
 * await indexer.catchUp(roomsWithMessages); // after a restart
 * // after each commit:
 * indexer.indexCommitted("general", [committed]);
 * await indexer.idle(); // its batch was written, at its time
 * ```
 */
import type { Message } from "../../protocol/mod.ts";
import type { Clock, TimerId } from "../../time/clock.ts";
import type { Logger } from "../log.ts";
import type { SearchIndex } from "./search_index.ts";

/** The entries of `room`'s log after seq `after`, oldest first, at most `limit` (those still kept). */
export type ReadLog = (room: string, after: number, limit: number) => Promise<readonly Message[]>;

/** Options of {@linkcode createSearchIndexer}. */
export interface SearchIndexerOptions {
  index: SearchIndex;
  readLog: ReadLog;
  clock: Clock;
  log: Logger;
  /**
   * How long after a commit its batch is written, gathering the commits
   * between. Default 500 ms: a search sees a message half a second late at
   * most, and a busy room's common words are written once per batch rather
   * than once per message, which keeps the index's writes from slowing the
   * log's (bench/README.md, "Search").
   */
  batchDelayMs?: number;
  /**
   * The log's `ROOM_HISTORY_MAX`: entries this far behind a room's newest
   * indexed one are dropped from the index, as the log drops them. Default:
   * none are dropped.
   */
  historyMax?: number;
  /** Entries read from the log at a time when catching up. Default 200. */
  pageSize?: number;
  /**
   * The most entries queued across rooms. Past it a room's queue is dropped
   * and the room catches up from the log instead, so a burst costs reads,
   * not memory. Default 10 000.
   */
  maxQueued?: number;
}

/** The search indexer. */
export interface SearchIndexer {
  /** Queues what `room` committed, to be indexed after this batch; never waits, never throws. */
  indexCommitted(room: string, entries: readonly Message[]): void;
  /**
   * Indexes whatever the logs of `rooms` hold beyond the index (after a
   * restart); `rooms` may be listed as it goes (an async iterable of pages).
   */
  catchUp(rooms: Iterable<string> | AsyncIterable<string>): Promise<void>;
  /** Writes what is queued now, without waiting for its batch; resolves once written. */
  settled(): Promise<void>;
  /**
   * Resolves when the indexer has nothing left to do: every entry handed to
   * it so far written (or failed and logged) in its own batch, at its own
   * time, and no catch-up running. Unlike `settled` it hastens nothing, so a
   * test that awaits it sees the server as it runs.
   */
  idle(): Promise<void>;
  /** Stops taking entries and waits for the batch being written. */
  close(): Promise<void>;
}

/** The leading run of `entries` with consecutive seqs (sorted, each seq once). */
function consecutiveRun(entries: readonly Message[]): Message[] {
  const sorted = [...new Map(entries.map((entry) => [entry.seq, entry])).values()]
    .sort((a, b) => a.seq - b.seq);
  const end = sorted.findIndex((entry, index) =>
    index > 0 && entry.seq !== sorted[index - 1].seq + 1
  );
  return end === -1 ? sorted : sorted.slice(0, end);
}

/** Creates a {@linkcode SearchIndexer}. */
export function createSearchIndexer(options: SearchIndexerOptions): SearchIndexer {
  const { index, readLog, clock, log } = options;
  const batchDelayMs = options.batchDelayMs ?? 500;
  const pageSize = options.pageSize ?? 200;
  const maxQueued = options.maxQueued ?? 10_000;
  const historyMax = options.historyMax ?? Infinity;

  /** Entries per room waiting for the next batch; an empty list: catch up from the log. */
  const queued = new Map<string, Message[]>();
  let queuedCount = 0;
  let timer: TimerId | null = null;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  /** Batches and catch-ups running now. */
  let running = 0;
  /** Who awaits `idle()`. */
  const idleWaiters = new Set<() => void>();

  const isIdle = () => timer === null && queued.size === 0 && running === 0;
  /** Runs `work`, counted as running; then wakes the `idle()` waiters if nothing is left. */
  const track = async (work: () => Promise<void>) => {
    running++;
    try {
      await work();
    } finally {
      running--;
      if (isIdle()) {
        for (const wake of idleWaiters) wake();
        idleWaiters.clear();
      }
    }
  };

  /** Indexes the log of `room` from where the index stands to its end. */
  const catchUpRoom = async (room: string) => {
    for (;;) {
      const through = await index.indexedThrough(room);
      const page = await readLog(room, through, pageSize);
      if (page.length === 0) return;
      const reached = await index.indexLog(room, through, page);
      // No progress: another writer is ahead of this read, or the entries kept changing.
      if (reached <= through || page.length < pageSize) return;
    }
  };

  /** Drops from the index what the log of `room` no longer keeps. */
  const followRetention = async (room: string) => {
    if (historyMax === Infinity) return;
    const through = await index.indexedThrough(room);
    if (through > historyMax) await index.forgetThrough(room, through - historyMax);
  };

  /** Indexes what was queued for `room`, and what the log holds around it if needed. */
  const indexRoom = async (room: string, entries: readonly Message[]) => {
    const run = consecutiveRun(entries);
    const last = entries.reduce((top, entry) => Math.max(top, entry.seq), 0);
    const reached = run.length > 0 ? await index.indexLog(room, run[0].seq - 1, run) : 0;
    if (run.length === 0 || reached < last) await catchUpRoom(room);
    await followRetention(room);
  };

  const runBatch = async () => {
    while (queued.size > 0) {
      const batch = [...queued];
      queued.clear();
      queuedCount = 0;
      for (const [room, entries] of batch) {
        try {
          await indexRoom(room, entries);
        } catch (error) {
          // The room's next commit finds the gap and catches up from the log.
          log.error("search.index_failed", { room, message: String(error) });
        }
      }
    }
  };

  const startBatch = () => {
    timer = null;
    writing = writing.then(() => track(runBatch));
  };

  const settled = async () => {
    if (timer !== null) {
      clock.clearTimeout(timer);
      startBatch();
    }
    await writing;
  };

  return {
    indexCommitted(room, entries) {
      if (closed || entries.length === 0) return;
      const held = queued.get(room) ?? [];
      queued.set(room, held);
      if (queuedCount + entries.length > maxQueued) {
        // Too much waiting: an empty queue makes the room's batch read its log instead.
        queuedCount -= held.length;
        held.length = 0;
      } else {
        held.push(...entries);
        queuedCount += entries.length;
      }
      timer ??= clock.setTimeout(startBatch, batchDelayMs);
    },
    catchUp(rooms) {
      return track(async () => {
        for await (const room of rooms) {
          try {
            await catchUpRoom(room);
            await followRetention(room);
          } catch (error) {
            log.error("search.catch_up_failed", { room, message: String(error) });
          }
        }
      });
    },
    settled,
    idle() {
      return isIdle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.add(resolve));
    },
    close() {
      closed = true;
      return settled();
    },
  };
}

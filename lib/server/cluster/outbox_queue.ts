/**
 * The queue behind each records engine's outbox: what an instance writes for
 * the others (events, share changes, mails) is queued, and written in as few
 * commits as the engine's limits allow: one as soon as something is queued,
 * and whatever is queued while it is in flight goes into the next.
 *
 * The queue decides the seqs and the order; the engine only writes a batch.
 * A batch holding events or share changes is one stream record under this
 * instance's next seq (seqs rise by exactly 1, so a reader sees a gap); each
 * mail gets the next mail seq. A write that fails is tried again with the
 * same seqs, after the engine's pause, until it passes or the queue closes:
 * nothing reliable is dropped, and a record is never skipped. Ephemeral
 * events (typing) are dropped instead when more than `maxQueued` items wait.
 *
 * @example
 * ```ts
 * const queue = createOutboxQueue({
 *   sizeOf: (value) => JSON.stringify(value).length + 64,
 *   maxBatchChars: 1_000_000,
 *   write: (batch) => writeToDatabase(batch),
 *   pauseAfter: () => new Promise((resolve) => setTimeout(resolve, 250)),
 * });
 * queue.event("admin_kick", { user_id: "user:ada" }, false);
 * await queue.flushed();
 * ```
 */
import type { ShareEntry } from "./shares_core.ts";
import type { PlaneOutbox } from "./stream_plane.ts";

/** One item of a stream record. */
export type StreamItem =
  | { kind: "event"; topic: string; data: unknown }
  | { kind: "share"; space: string; changes: ShareEntry[] };

/** A stream record as written. */
export interface StreamRecord {
  items: StreamItem[];
}

/** A mail as written. */
export interface Mail {
  topic: string;
  data: unknown;
}

/** One queued write, with its size as the engine measures it. */
export type QueuedWrite =
  | { kind: "item"; item: StreamItem; ephemeral: boolean; size: number }
  | { kind: "mail"; to: string; mail: Mail; size: number };

/** What one commit writes, with the seqs the queue gave it. */
export interface OutboxBatch {
  writes: QueuedWrite[];
  /** The stream items of the batch, in order (none: the batch writes no record). */
  items: StreamItem[];
  /** The record's seq; meaningless when `items` is empty. */
  recordSeq: number;
  /** The mails of the batch, in order, each with its mail seq. */
  mails: { to: string; mail: Mail; size: number; mailSeq: number }[];
}

/** A limit on the operations of one commit, for engines that have one (KV's mutations). */
export interface OperationLimit {
  /** Operations per commit at most. */
  max: number;
  /** Operations every commit has whatever it holds. */
  base: number;
  /** Operations one queued write adds. */
  of(queued: QueuedWrite): number;
}

/** Options of {@linkcode createOutboxQueue}. */
export interface OutboxQueueOptions {
  /** About how many characters a value adds to a commit. */
  sizeOf(value: unknown): number;
  /** Characters per commit at most (a single larger write goes alone). */
  maxBatchChars: number;
  operations?: OperationLimit;
  /** Writes one batch; throws to have it tried again. */
  write(batch: OutboxBatch): Promise<void>;
  /** Waits before the `attempt`th retry (from 0) after `error`; reports the error if it should. */
  pauseAfter(error: unknown, attempt: number): Promise<void>;
  /** Cuts a pause short when the queue closes. */
  interruptPause?: () => void;
  /** Items waiting beyond which ephemeral events are dropped. Default 10 000. */
  maxQueued?: number;
}

/** An engine's outbox, with the seq of the last record it committed. */
export interface OutboxQueue extends PlaneOutbox {
  /** The seq of the last record committed (0 before the first). */
  readonly committedSeq: number;
}

/** Creates the queue of one instance's outbox. */
export function createOutboxQueue(options: OutboxQueueOptions): OutboxQueue {
  const { sizeOf, maxBatchChars, operations } = options;
  const maxQueued = options.maxQueued ?? 10_000;
  let queue: QueuedWrite[] = [];
  let seq = 0;
  let mailSeq = 0;
  let running: Promise<void> | null = null;
  let closed = false;

  const enqueue = (queued: QueuedWrite) => {
    if (closed) return;
    queue.push(queued);
    if (queue.length > maxQueued) {
      queue = queue.filter((entry) => entry.kind !== "item" || !entry.ephemeral);
    }
    running ??= run();
  };

  /** Takes the next commit's worth of the queue. */
  const takeBatch = (): QueuedWrite[] => {
    let chars = 0;
    let used = operations?.base ?? 0;
    let count = 0;
    for (const queued of queue) {
      const adds = operations?.of(queued) ?? 0;
      const full = chars + queued.size > maxBatchChars ||
        (operations !== undefined && used + adds > operations.max);
      if (count > 0 && full) break;
      chars += queued.size;
      used += adds;
      count++;
    }
    return queue.splice(0, count);
  };

  const numberBatch = (writes: QueuedWrite[]): OutboxBatch => {
    const items = writes.flatMap((queued) => queued.kind === "item" ? [queued.item] : []);
    const mails = writes.flatMap((queued) =>
      queued.kind === "mail" ? [{ ...queued, mailSeq: ++mailSeq }] : []
    );
    return { writes, items, recordSeq: items.length > 0 ? seq + 1 : seq, mails };
  };

  /** Writes one batch, trying again until it is written or the queue closes. */
  const commitBatch = async (batch: OutboxBatch) => {
    for (let attempt = 0; !closed; attempt++) {
      try {
        await options.write(batch);
        seq = batch.recordSeq;
        return;
      } catch (error) {
        await options.pauseAfter(error, attempt);
      }
    }
  };

  const run = async () => {
    while (queue.length > 0 && !closed) await commitBatch(numberBatch(takeBatch()));
    running = null;
  };

  return {
    event(topic, data, ephemeral) {
      const item: StreamItem = { kind: "event", topic, data };
      enqueue({ kind: "item", item, ephemeral, size: sizeOf(item) });
    },
    share(space, changes) {
      const item: StreamItem = { kind: "share", space, changes };
      enqueue({ kind: "item", item, ephemeral: false, size: 2 * sizeOf(item) });
    },
    mail(to, topic, data) {
      const mail: Mail = { topic, data };
      enqueue({ kind: "mail", to, mail, size: sizeOf(mail) });
    },
    async flushed() {
      while (running) await running;
    },
    get committedSeq() {
      return seq;
    },
    async close() {
      closed = true;
      options.interruptPause?.();
      await running;
    },
  };
}

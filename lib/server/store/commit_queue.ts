/**
 * Commits grouped per room: commits for a room that arrive while one of its
 * batches is being written wait and go together into the next, up to
 * `maxBatch` commits and about `maxBatchBytes` of text. A busy room thus
 * costs one write (a KV atomic operation, a PostgreSQL transaction) per
 * batch rather than per message, and never races against itself. A batch
 * that fails is retried one commit at a time, so one bad input (a value the
 * database refuses) fails alone, not its neighbours.
 *
 * @example
 * ```ts
 * const commit = createCommitQueue({
 *   maxBatch: 32,
 *   maxBatchBytes: 400 * 1024,
 *   sizeOf: (input) => input.text.length * 2 + 512,
 *   write: (room, inputs) => writeBatch(room, inputs), // one result per input, in order
 * });
 * const result = await commit(input);
 * ```
 */
import type { CommitInput, CommitResult } from "./message_store.ts";

/** Options of {@linkcode createCommitQueue}. */
export interface CommitQueueOptions {
  /** Most commits in one batch. */
  maxBatch: number;
  /** A batch stops growing past this many bytes (it always holds at least one commit). */
  maxBatchBytes: number;
  /** What a commit weighs in a batch, in bytes (an estimate of what the database stores). */
  sizeOf(input: CommitInput): number;
  /** Writes one batch of one room: a result for each input, in order; rejects to fail them all. */
  write(room: string, inputs: CommitInput[]): Promise<CommitResult[]>;
}

interface PendingCommit {
  input: CommitInput;
  resolve(result: CommitResult): void;
  reject(error: unknown): void;
}

/** Creates the queue; the function it returns commits one input through it. */
export function createCommitQueue(
  options: CommitQueueOptions,
): (input: CommitInput) => Promise<CommitResult> {
  const { maxBatch, maxBatchBytes, sizeOf, write } = options;
  const queues = new Map<string, PendingCommit[]>();

  const takeBatch = (queue: PendingCommit[]): PendingCommit[] => {
    let bytes = 0;
    let count = 0;
    while (count < queue.length && count < maxBatch) {
      bytes += sizeOf(queue[count].input);
      if (count > 0 && bytes > maxBatchBytes) break;
      count++;
    }
    return queue.splice(0, count);
  };

  const writeBatch = async (room: string, batch: PendingCommit[]) => {
    const results = await write(room, batch.map((pending) => pending.input));
    batch.forEach((pending, index) => pending.resolve(results[index]));
  };

  const drain = async (room: string, queue: PendingCommit[]) => {
    while (queue.length > 0) {
      const batch = takeBatch(queue);
      try {
        await writeBatch(room, batch);
      } catch (error) {
        if (batch.length === 1) {
          batch[0].reject(error);
          continue;
        }
        for (const pending of batch) {
          try {
            await writeBatch(room, [pending]);
          } catch (single) {
            pending.reject(single);
          }
        }
      }
    }
    queues.delete(room);
  };

  return (input) =>
    new Promise<CommitResult>((resolve, reject) => {
      const queue = queues.get(input.room);
      if (queue) {
        queue.push({ input, resolve, reject });
        return;
      }
      const fresh = [{ input, resolve, reject }];
      queues.set(input.room, fresh);
      drain(input.room, fresh);
    });
}

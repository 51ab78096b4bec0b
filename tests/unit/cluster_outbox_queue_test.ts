import { deepEqual, equal } from "node:assert/strict";
import { createOutboxQueue, type OutboxBatch } from "../../lib/server/cluster/outbox_queue.ts";

/** A queue over a write that records what it was asked, failing the first `failures` times. */
function recordingQueue(failures: number, limits: { maxBatchChars?: number; maxQueued?: number }) {
  const attempts: { recordSeq: number; items: number; mailSeqs: number[] }[] = [];
  const errors: unknown[] = [];
  let gate: Promise<void> = Promise.resolve();
  const queue = createOutboxQueue({
    sizeOf: () => 10,
    maxBatchChars: limits.maxBatchChars ?? 1_000,
    maxQueued: limits.maxQueued,
    async write(batch: OutboxBatch) {
      await gate;
      attempts.push({
        recordSeq: batch.recordSeq,
        items: batch.items.length,
        mailSeqs: batch.mails.map((mail) => mail.mailSeq),
      });
      if (failures-- > 0) throw new Error("database away");
    },
    pauseAfter(error) {
      errors.push(error);
      return Promise.resolve();
    },
  });
  return { queue, attempts, errors, hold: (until: Promise<void>) => gate = until };
}

Deno.test("outbox queue: a failed write is tried again with the same seqs, then numbering goes on", async () => {
  const { queue, attempts, errors } = recordingQueue(2, {});
  queue.event("room_closed", { room: "one" }, false);
  queue.mail("b1c2d3e4f5a6", "fallback.post", { id: "p1" });
  await queue.flushed();
  queue.event("room_closed", { room: "two" }, false);
  await queue.flushed();
  equal(errors.length, 2);
  // The first write starts as the event is queued; the mail waits for the next, which holds no
  // record and so takes no record seq.
  deepEqual(attempts, [
    { recordSeq: 1, items: 1, mailSeqs: [] },
    { recordSeq: 1, items: 1, mailSeqs: [] },
    { recordSeq: 1, items: 1, mailSeqs: [] },
    { recordSeq: 1, items: 0, mailSeqs: [1] },
    { recordSeq: 2, items: 1, mailSeqs: [] },
  ]);
  equal(queue.committedSeq, 2);
});

Deno.test("outbox queue: what is queued during a write goes into the next, within the size bound", async () => {
  const { queue, attempts, hold } = recordingQueue(0, { maxBatchChars: 30 });
  let release = () => {};
  hold(new Promise<void>((resolve) => release = resolve));
  queue.event("first", {}, false);
  for (let index = 0; index < 5; index++) queue.event("later", { index }, false);
  release();
  await queue.flushed();
  // Each event counts 10 characters: the first alone, then three and two.
  deepEqual(attempts.map((attempt) => attempt.items), [1, 3, 2]);
  deepEqual(attempts.map((attempt) => attempt.recordSeq), [1, 2, 3]);
});

Deno.test("outbox queue: past maxQueued, ephemeral events are dropped and reliable ones kept", async () => {
  const { queue, attempts, hold } = recordingQueue(0, { maxQueued: 3 });
  let release = () => {};
  hold(new Promise<void>((resolve) => release = resolve));
  queue.event("first", {}, false);
  queue.event("typing", {}, true);
  queue.event("typing", {}, true);
  queue.event("room_closed", {}, false);
  queue.event("typing", {}, true);
  release();
  await queue.flushed();
  // "first" was taken before the queue filled; of the rest only the reliable event is left.
  deepEqual(attempts.map((attempt) => attempt.items), [1, 1]);
});

Deno.test("outbox queue: nothing is written after close", async () => {
  const { queue, attempts } = recordingQueue(0, {});
  await queue.close();
  queue.event("late", {}, false);
  await queue.flushed();
  equal(attempts.length, 0);
});

import { deepEqual, equal, rejects } from "node:assert/strict";
import { createSharedReads } from "../../lib/server/rooms/shared_reads.ts";

/** A read whose every call waits until the test settles it; `calls` lists them. */
function controlledRead() {
  const calls: { key: string; resolve(value: number): void; reject(error: Error): void }[] = [];
  const read = (key: string) =>
    new Promise<number>((resolve, reject) => calls.push({ key, resolve, reject }));
  return { calls, read };
}

Deno.test("callers who ask while a read runs share the next read, never the running one", async () => {
  const { calls, read } = controlledRead();
  const reads = createSharedReads(read);
  const first = reads("general");
  equal(calls.length, 1);
  // Asked after the first read started: what it would miss must not be served to them.
  const second = reads("general");
  const third = reads("general");
  equal(calls.length, 1);
  calls[0].resolve(1);
  equal(await first, 1);
  await Promise.resolve();
  equal(calls.length, 2);
  calls[1].resolve(2);
  deepEqual(await Promise.all([second, third]), [2, 2]);
  // Idle again: the next caller starts a read at once.
  const fourth = reads("general");
  equal(calls.length, 3);
  calls[2].resolve(3);
  equal(await fourth, 3);
});

Deno.test("rooms are read apart, and a failed read fails its own callers only", async () => {
  const { calls, read } = controlledRead();
  const reads = createSharedReads(read);
  const general = reads("general");
  const random = reads("random");
  deepEqual(calls.map(({ key }) => key), ["general", "random"]);
  const later = reads("general");
  calls[0].reject(new Error("store down"));
  await rejects(general, /store down/);
  await Promise.resolve();
  equal(calls.length, 3);
  calls[2].resolve(7);
  equal(await later, 7);
  calls[1].resolve(5);
  equal(await random, 5);
});

import { deepEqual, equal } from "node:assert/strict";
import { createCoalescedRun } from "../../lib/server/cluster/coalesced_run.ts";

Deno.test("coalesced run: wakes during a run ask for one more run, not one each", async () => {
  let runs = 0;
  let release = () => {};
  const run = createCoalescedRun(async () => {
    runs++;
    if (runs === 1) await new Promise<void>((resolve) => release = resolve);
  }, (error) => {
    throw error;
  });
  run.wake();
  run.wake();
  run.wake();
  run.wake();
  release();
  await run.idle();
  equal(runs, 2);
  run.wake();
  await run.idle();
  equal(runs, 3);
});

Deno.test("coalesced run: a failed run is reported and the next wake runs again", async () => {
  const errors: unknown[] = [];
  let runs = 0;
  const run = createCoalescedRun(() => {
    runs++;
    return runs === 1 ? Promise.reject(new Error("list failed")) : Promise.resolve();
  }, (error) => errors.push((error as Error).message));
  run.wake();
  await run.idle();
  run.wake();
  await run.idle();
  equal(runs, 2);
  deepEqual(errors, ["list failed"]);
});

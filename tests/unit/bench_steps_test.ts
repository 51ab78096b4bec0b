import { deepEqual, equal, ok } from "node:assert/strict";
import { type ConnectStormRun, medianRun } from "../../bench/scenarios/connect_storm.ts";
import { type FanOutRun, type FanOutStep, rateBetween } from "../../bench/scenarios/fan_out.ts";
import { costOf } from "../../bench/report.ts";
import { median } from "../../bench/scenarios/idle_memory.ts";

Deno.test("fan-out refinement: the geometric middle, until no whole rate is left between", () => {
  equal(rateBetween(77, 108), 91);
  equal(rateBetween(91, 108), 99);
  equal(rateBetween(99, 100), undefined);
  equal(rateBetween(0, 20), undefined, "nothing was sustained");
  equal(rateBetween(108, 0), undefined, "nothing failed");
});

function run(allReadyMs: number, listenOverflows = 0): ConnectStormRun {
  return {
    ready: 1000,
    all_ready_ms: allReadyMs,
    listen_overflows: listenOverflows,
    p50_ms: 1,
    p99_ms: 1,
    max_ms: 1,
    samples: 1000,
  };
}

Deno.test("connect storm: the median of the runs without listen overflows", () => {
  deepEqual(medianRun([run(500), run(1200, 3), run(300), run(400)]), run(400));
  deepEqual(medianRun([run(500), run(300)]), run(300), "the lower of two middles");
  deepEqual(medianRun([run(1300, 2), run(1100, 1), run(1200, 5)]), run(1200, 5), "none clean");
});

Deno.test("fan-out cost: the highest complete step, even when bisecting steps come after it", () => {
  const step = (rate: number, cost: number, ratio = 1) =>
    ({ rate_msgs_per_s: rate, server_us_per_delivery: cost, delivery_ratio: ratio }) as FanOutStep;
  const run = {
    steps: [step(77, 10), step(108, 8), step(151, 7.5, 0.9), step(128, 9), step(139, 8.5)],
  } as FanOutRun;
  equal(costOf(run), 8.5);
  equal(costOf(undefined), undefined);
});

Deno.test("idle memory: the median of the idle window's readings", () => {
  equal(median([30, 10, 20]), 20);
  equal(median([40, 10, 30, 20]), 20, "the lower middle of an even count");
  equal(median([7]), 7);
  ok(Number.isNaN(median([])));
});

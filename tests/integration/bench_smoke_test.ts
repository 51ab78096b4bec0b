/**
 * The bench's smoke run, so the bench cannot rot: `bench/run.ts --smoke` against
 * the bare Deno hub and Switchboard, each also under `deno serve --parallel`
 * (real servers on free ports, real sockets),
 * then checks that its JSON is complete and sane. Node, Socket.IO and Bun peers
 * are left out here: CI needs Deno only (they run in `deno task bench`).
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { BenchResults } from "../../bench/report.ts";
import { SCENARIO_NAMES } from "../../bench/run.ts";
import type { TargetOutcome } from "../../bench/scenarios/common.ts";
import { median } from "../../bench/scenarios/idle_memory.ts";

const RUN_TS = new URL("../../bench/run.ts", import.meta.url).pathname;
const MAIN_TS = new URL("../../main.ts", import.meta.url);
/** Switchboard is measured once its server exists; the floor always. */
const TARGETS = await Deno.stat(MAIN_TS).then(
  () => ["deno-hub", "switchboard"] as const,
  () => ["deno-hub"] as const,
);
const PARALLEL_TARGETS = TARGETS.map((target) => `${target}-parallel` as const);
const SCENARIOS = SCENARIO_NAMES;

function measured<T>(outcome: TargetOutcome<T> | undefined, where: string): T {
  ok(outcome, `${where}: no outcome`);
  if (outcome.status !== "ok") throw new Error(`${where}: ${JSON.stringify(outcome)}`);
  return outcome.result;
}

Deno.test("bench smoke run measures the bare hub and Switchboard sanely", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-smoke-" });
  try {
    const out = `${dir}/results.json`;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        RUN_TS,
        "--smoke",
        `--targets=${[...TARGETS, ...PARALLEL_TARGETS].join(",")}`,
        `--scenarios=${SCENARIOS.join(",")}`,
        `--out=${out}`,
        "--readme=no",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    equal(code, 0, new TextDecoder().decode(stderr));
    const results: BenchResults = JSON.parse(await Deno.readTextFile(out));

    equal(results.smoke, true);
    equal(results.machine.nproc, navigator.hardwareConcurrency);
    deepEqual(Object.keys(results.scenarios).sort(), [...SCENARIOS].sort());

    for (const target of TARGETS) {
      const fanOut = measured(results.scenarios.fan_out?.targets[target], `fan_out ${target}`);
      for (const run of fanOut.runs) {
        ok(run.steps.length > 0);
        for (const step of run.steps) {
          ok(step.sent > 0, `${target}: nothing sent`);
          equal(step.delivered, step.expected, `${target}: every delivery arrives`);
          equal(step.expected, step.sent * run.subscribers);
          ok(step.p50_ms > 0 && step.p99_ms >= step.p50_ms, `${target}: latencies ${step.p50_ms}`);
        }
        ok(run.max_sustained_deliveries_per_s > 0);
      }

      const chat = measured(results.scenarios.chat_mix?.targets[target], `chat_mix ${target}`);
      ok(chat.sent > 0);
      equal(chat.delivered, chat.expected, `${target}: every chat message arrives`);
      ok(chat.p50_ms > 0 && chat.p99_ms >= chat.p50_ms);

      const memory = measured(results.scenarios.idle_memory?.targets[target], `idle ${target}`);
      ok(memory.baseline_rss_bytes > 0);
      for (const point of memory.points) {
        ok(point.just_joined_rss_bytes > 0);
        ok(point.idle_rss_samples.length >= 2, `${target}: RSS read over the idle window`);
        equal(point.rss_bytes, median(point.idle_rss_samples));
      }

      const storm = measured(results.scenarios.connect_storm?.targets[target], `storm ${target}`);
      equal(storm.ready, storm.clients);
      ok(storm.all_ready_ms > 0 && storm.p99_ms > 0);
      equal(storm.runs.length, 1);
      ok(storm.runs[0].listen_overflows >= 0);

      const big = measured(results.scenarios.big_room?.targets[target], `big_room ${target}`);
      equal(big.sizes.length, 1);
      const [size] = big.sizes;
      ok(size.open_ms > 0 && size.open_and_join_ms >= size.open_ms, `${target}: ${size.open_ms}`);
      ok(size.idle_rss_samples.length >= 2, `${target}: RSS read over the idle window`);
      ok(size.fan_out_server_us_per_delivery > 0, `${target}: the fan-out delivered`);
    }
    for (const target of [...TARGETS, ...PARALLEL_TARGETS]) {
      const parallel = measured(results.scenarios.parallel?.targets[target], `parallel ${target}`);
      for (const step of parallel.runs.flatMap((run) => run.steps)) {
        equal(step.delivered, step.expected, `${target}: every delivery arrives across isolates`);
        ok(step.sent > 0 && step.p50_ms > 0);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

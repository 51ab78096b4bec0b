/**
 * Parallel: the fan-out scenario with one isolate per core (`deno serve
 * --parallel` for the hub, `serve.ts` with `WORKERS` for Switchboard) and with one isolate, for Switchboard and, as the reference, the
 * bare Deno hub relaying between its isolates over a BroadcastChannel.
 *
 * Run alone: `deno run -A bench/scenarios/parallel.ts [--smoke] [--targets=a,b]`.
 *
 * @example
 * ```ts
 * const result = await runParallel({ smoke: true, clock: createBenchClock(), log: console.log });
 * ```
 */
import { parallelTable } from "../report.ts";
import type { TargetName } from "../targets.ts";
import {
  runScenarioCli,
  type ScenarioOptions,
  type ScenarioResult,
  selectTargets,
} from "./common.ts";
import { type FanOutResult, runFanOutOver } from "./fan_out.ts";

/** Single isolate and parallel, for Switchboard and the bare hub. */
export const PARALLEL_TARGETS: TargetName[] = [
  "switchboard",
  "switchboard-parallel",
  "deno-hub",
  "deno-hub-parallel",
];

/** The parallel scenario: fan-out with and without `--parallel`. */
export function runParallel(options: ScenarioOptions): Promise<ScenarioResult<FanOutResult>> {
  return runFanOutOver("parallel", selectTargets(options, PARALLEL_TARGETS), options, false);
}

if (import.meta.main) await runScenarioCli(runParallel, parallelTable);

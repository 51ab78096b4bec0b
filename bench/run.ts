/**
 * Runs the bench: every scenario against every target in one run, then writes
 * bench/results/<date>.json and regenerates the tables in bench/README.md.
 *
 * ```sh
 * deno task bench                                  # everything, full size (many minutes)
 * deno run -A bench/run.ts --smoke --out=/tmp/r.json --no-readme   # seconds
 * deno run -A bench/run.ts --scenarios=fan_out,idle_memory --targets=switchboard,deno-hub
 * ```
 *
 * @example
 * ```ts
 * const results = await runBench({ smoke: true, clock: createBenchClock(), log: console.error });
 * results.scenarios.fan_out?.targets["deno-hub"]?.status; // "ok"
 * ```
 */
import { createBenchClock } from "./loadgen/bench_clock.ts";
import { type BenchResults, renderResults, replaceResultsSection } from "./report.ts";
import { runBigRoom } from "./scenarios/big_room.ts";
import { runChatMix } from "./scenarios/chat_mix.ts";
import { parseBenchArgs, type ScenarioOptions } from "./scenarios/common.ts";
import { runConnectStorm } from "./scenarios/connect_storm.ts";
import { runFanOut } from "./scenarios/fan_out.ts";
import { runIdleMemory } from "./scenarios/idle_memory.ts";
import { runParallel } from "./scenarios/parallel.ts";
import { runtimeVersions } from "./targets.ts";

export type ScenarioName = keyof BenchResults["scenarios"];

/** Every scenario, in the order a run makes them. */
export const SCENARIO_NAMES: ScenarioName[] = [
  "fan_out",
  "chat_mix",
  "idle_memory",
  "connect_storm",
  "parallel",
  "big_room",
];

const README = new URL("./README.md", import.meta.url);
const RESULTS_DIR = new URL("./results/", import.meta.url);

async function describeMachine(options: ScenarioOptions): Promise<BenchResults["machine"]> {
  const meminfo = await Deno.readTextFile("/proc/meminfo");
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo");
  return {
    nproc: navigator.hardwareConcurrency,
    memory_bytes: Number(meminfo.match(/^MemTotal:\s+(\d+) kB$/m)?.[1] ?? 0) * 1024,
    cpu_model: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? "unknown",
    kernel: `${Deno.build.os} ${Deno.osRelease()}`,
    versions: await runtimeVersions(),
    loadgen_workers: options.workers ?? Math.max(1, navigator.hardwareConcurrency - 1),
    loadgen_client: options.client ?? "raw",
  };
}

/** Runs the chosen scenarios (all by default) and returns their results. */
export async function runBench(
  options: ScenarioOptions & { scenarios?: ScenarioName[] },
): Promise<BenchResults> {
  const results: BenchResults = {
    date: new Date(options.clock.now()).toISOString(),
    smoke: options.smoke,
    machine: await describeMachine(options),
    scenarios: {},
  };
  const chosen = new Set(options.scenarios ?? SCENARIO_NAMES);
  const { scenarios } = results;
  if (chosen.has("fan_out")) scenarios.fan_out = await runFanOut(options);
  if (chosen.has("chat_mix")) scenarios.chat_mix = await runChatMix(options);
  if (chosen.has("idle_memory")) scenarios.idle_memory = await runIdleMemory(options);
  if (chosen.has("connect_storm")) scenarios.connect_storm = await runConnectStorm(options);
  if (chosen.has("parallel")) scenarios.parallel = await runParallel(options);
  if (chosen.has("big_room")) scenarios.big_room = await runBigRoom(options);
  return results;
}

async function main() {
  const args = parseBenchArgs(Deno.args, ["--scenarios", "--out", "--readme"]);
  const scenarios = args.extra["--scenarios"]?.split(",") as ScenarioName[] | undefined;
  const unknown = scenarios?.filter((name) => !SCENARIO_NAMES.includes(name)) ?? [];
  if (unknown.length) {
    throw new Error(`unknown scenarios ${unknown.join(", ")}; known: ${SCENARIO_NAMES.join(", ")}`);
  }
  const clock = createBenchClock();
  const results = await runBench({ ...args, scenarios, clock, log: (line) => console.error(line) });
  const out = args.extra["--out"] ??
    new URL(`${results.date.slice(0, 10)}.json`, RESULTS_DIR).pathname;
  if (!args.extra["--out"]) await Deno.mkdir(RESULTS_DIR, { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(results, null, 2) + "\n");
  const section = renderResults(results);
  // A smoke run's tiny figures never overwrite the README's real ones unless asked.
  const updateReadme = args.extra["--readme"] ?? (args.smoke ? "no" : "yes");
  if (updateReadme === "yes") {
    await Deno.writeTextFile(
      README,
      replaceResultsSection(await Deno.readTextFile(README), section),
    );
    // The tables are written plain; `deno fmt` aligns them, so `deno task check` stays clean.
    const formatted = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", README.pathname],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!formatted.success) console.error(new TextDecoder().decode(formatted.stderr));
  }
  console.log(section);
  console.error(`results: ${out}${updateReadme === "yes" ? "; bench/README.md updated" : ""}`);
}

if (import.meta.main) await main();

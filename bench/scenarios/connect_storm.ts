/**
 * Connect storm: 1 000 clients open at once against a fresh server (with a
 * pre-minted JWT for Switchboard); the time until every one is ready (`hello`
 * for Switchboard, the open for the peers, the namespace connect for
 * Socket.IO) and each connection's own time to ready. One storm lasts well
 * under a second, so each target gets several, each on a fresh server, and
 * the median of those without listen-queue overflows counts.
 *
 * Run alone: `deno run -A bench/scenarios/connect_storm.ts [--smoke] [--targets=a,b]`.
 *
 * @example
 * ```ts
 * const result = await runConnectStorm({ smoke: true, clock: createBenchClock(), log: console.log });
 * ```
 */
import { connectStormTable } from "../report.ts";
import { PEER_COMPARISON } from "../targets.ts";
import type { LoadGenerator } from "../loadgen/loadgen.ts";
import { readListenOverflows } from "../process_stats.ts";
import {
  type LatencySummary,
  lowerMedian,
  measureTarget,
  requireAll,
  runScenarioCli,
  type ScenarioOptions,
  type ScenarioResult,
  selectTargets,
  summarize,
  type TargetOutcome,
} from "./common.ts";

const FULL_CLIENTS = 1000;
const SMOKE_CLIENTS = 20;
/** Runs per target, each on a fresh server; the median counts. */
const FULL_RUNS = 5;
const SMOKE_RUNS = 1;

/** One storm on a fresh server. */
export interface ConnectStormRun extends LatencySummary {
  ready: number;
  all_ready_ms: number;
  /**
   * Accept-queue overflows on the machine during the run. `deno serve` listens
   * with a backlog of 511 (Switchboard's guarded server with 4 096), and a client whose SYN found the queue full retries
   * after a second: such a run measures the kernel's retry timer, not the server.
   */
  listen_overflows: number;
}

/** A target's connect-storm figures: the median run's, and every run. */
export interface ConnectStormResult extends LatencySummary {
  clients: number;
  ready: number;
  all_ready_ms: number;
  /** Runs without listen overflows (the median is taken of these, or of all if none is clean). */
  clean_runs: number;
  runs: ConnectStormRun[];
  failures: string[];
}

/** The run with the median all-ready time among the clean runs (or all, if none is clean). */
export function medianRun(runs: ConnectStormRun[]): ConnectStormRun {
  const clean = runs.filter((run) => run.listen_overflows === 0);
  return lowerMedian(clean.length > 0 ? clean : runs, (run) => run.all_ready_ms)!;
}

/** One storm's figures, and the connection failures it saw. */
interface Storm {
  run: ConnectStormRun;
  failures: string[];
}

/** Opens `clients` connections at once and times them, with the listen overflows meanwhile. */
async function stormOnce(
  loadgen: LoadGenerator,
  clients: number,
  options: ScenarioOptions,
): Promise<Storm> {
  const connections = Array.from({ length: clients }, (_, index) => ({ index, rooms: [] }));
  const overflowsBefore = await readListenOverflows();
  const opened = await loadgen.open(connections, { concurrency: clients });
  const listenOverflows = await readListenOverflows() - overflowsBefore;
  requireAll("connections ready", clients, opened.opened, opened.failures);
  const run: ConnectStormRun = {
    ready: opened.opened,
    all_ready_ms: Math.round(opened.allReadyMs * 10) / 10,
    ...summarize(opened.readyMicros),
    listen_overflows: listenOverflows,
  };
  options.log(
    `  all ${clients} ready in ${run.all_ready_ms} ms, p99 ${run.p99_ms} ms` +
      (listenOverflows > 0 ? `, ${listenOverflows} listen overflows` : ""),
  );
  return { run, failures: opened.failures };
}

/** The connect-storm scenario over Switchboard and every peer. */
export async function runConnectStorm(
  options: ScenarioOptions,
): Promise<ScenarioResult<ConnectStormResult>> {
  const clients = options.smoke ? SMOKE_CLIENTS : FULL_CLIENTS;
  const runCount = options.smoke ? SMOKE_RUNS : FULL_RUNS;
  const result: ScenarioResult<ConnectStormResult> = {
    scenario: "connect_storm",
    smoke: options.smoke,
    targets: {},
  };
  for (const target of selectTargets(options, PEER_COMPARISON)) {
    options.log(`connect_storm: ${target.label}`);
    const storms: Storm[] = [];
    let problem: TargetOutcome<ConnectStormResult> | undefined;
    for (let attempt = 0; attempt < runCount && !problem; attempt++) {
      const outcome = await measureTarget(
        target,
        options,
        (_server, loadgen) => stormOnce(loadgen, clients, options),
      );
      if (outcome.status === "ok") storms.push(outcome.result);
      else problem = outcome;
    }
    const runs = storms.map((storm) => storm.run);
    result.targets[target.name] = problem ?? {
      status: "ok",
      result: {
        clients,
        ...medianRun(runs),
        clean_runs: runs.filter((run) => run.listen_overflows === 0).length,
        runs,
        failures: storms.flatMap((storm) => storm.failures),
      },
    };
  }
  return result;
}

if (import.meta.main) await runScenarioCli(runConnectStorm, connectStormTable);

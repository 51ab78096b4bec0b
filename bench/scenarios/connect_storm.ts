/**
 * Connect storm: 1 000 clients open at once against a fresh server (with a
 * pre-minted JWT for Switchboard); the time until every one is ready (`hello`
 * for Switchboard, the open for the peers, the namespace connect for
 * Socket.IO) and each connection's own time to ready.
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
import {
  type LatencySummary,
  measureTarget,
  requireAll,
  runScenarioCli,
  type ScenarioOptions,
  type ScenarioResult,
  selectTargets,
  summarize,
} from "./common.ts";

const FULL_CLIENTS = 1000;
const SMOKE_CLIENTS = 20;

/** A target's connect-storm figures; percentiles are per connection. */
export interface ConnectStormResult extends LatencySummary {
  clients: number;
  ready: number;
  all_ready_ms: number;
  failures: string[];
}

/** The connect-storm scenario over Switchboard and every peer. */
export async function runConnectStorm(
  options: ScenarioOptions,
): Promise<ScenarioResult<ConnectStormResult>> {
  const clients = options.smoke ? SMOKE_CLIENTS : FULL_CLIENTS;
  const result: ScenarioResult<ConnectStormResult> = {
    scenario: "connect_storm",
    smoke: options.smoke,
    targets: {},
  };
  for (const target of selectTargets(options, PEER_COMPARISON)) {
    options.log(`connect_storm: ${target.label}`);
    result.targets[target.name] = await measureTarget(target, options, async (_server, loadgen) => {
      const connections = Array.from({ length: clients }, (_, index) => ({ index, rooms: [] }));
      const opened = await loadgen.open(connections, { concurrency: clients });
      requireAll("connections ready", clients, opened.opened, opened.failures);
      const figures: ConnectStormResult = {
        clients,
        ready: opened.opened,
        all_ready_ms: Math.round(opened.allReadyMs * 10) / 10,
        ...summarize(opened.readyMicros),
        failures: opened.failures,
      };
      options.log(`  all ${clients} ready in ${figures.all_ready_ms} ms, p99 ${figures.p99_ms} ms`);
      return figures;
    });
  }
  return result;
}

if (import.meta.main) await runScenarioCli(runConnectStorm, connectStormTable);

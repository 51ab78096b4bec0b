/**
 * Idle memory: the server's RSS (VmRSS from /proc) per authenticated, joined,
 * idle connection, at 1 000 and 5 000 connections in rooms of 10. The figure is
 * (RSS with N connections − RSS before any) / N, on one server per target.
 *
 * Run alone: `deno run -A bench/scenarios/idle_memory.ts [--smoke] [--targets=a,b]`.
 *
 * @example
 * ```ts
 * const result = await runIdleMemory({ smoke: true, clock: createBenchClock(), log: console.log });
 * ```
 */
import { idleMemoryTable } from "../report.ts";
import { PEER_COMPARISON } from "../targets.ts";
import {
  measureTarget,
  pause,
  requireAll,
  runScenarioCli,
  type ScenarioOptions,
  type ScenarioResult,
  selectTargets,
} from "./common.ts";

const FULL_COUNTS = [1000, 5000];
const SMOKE_COUNTS = [20];
const ROOM_SIZE = 10;
/** Time for the server to finish the handshakes' garbage before RSS is read. */
const FULL_SETTLE_MS = 3000;
const SMOKE_SETTLE_MS = 300;

/** RSS at one connection count. */
export interface IdleMemoryPoint {
  connections: number;
  rss_bytes: number;
  bytes_per_connection: number;
}

/** A target's idle-memory figures. */
export interface IdleMemoryResult {
  baseline_rss_bytes: number;
  points: IdleMemoryPoint[];
}

/** The idle-memory scenario over Switchboard and every peer. */
export async function runIdleMemory(
  options: ScenarioOptions,
): Promise<ScenarioResult<IdleMemoryResult>> {
  const counts = options.smoke ? SMOKE_COUNTS : FULL_COUNTS;
  const settleMs = options.smoke ? SMOKE_SETTLE_MS : FULL_SETTLE_MS;
  const result: ScenarioResult<IdleMemoryResult> = {
    scenario: "idle_memory",
    smoke: options.smoke,
    targets: {},
  };
  for (const target of selectTargets(options, PEER_COMPARISON)) {
    options.log(`idle_memory: ${target.label}`);
    result.targets[target.name] = await measureTarget(target, options, async (server, loadgen) => {
      await pause(options.clock, settleMs);
      const baseline = await server.rssBytes();
      const points: IdleMemoryPoint[] = [];
      let open = 0;
      for (const count of counts) {
        const more = Array.from({ length: count - open }, (_, offset) => {
          const index = open + offset;
          return { index, rooms: [`idle-${Math.floor(index / ROOM_SIZE)}`] };
        });
        const opened = await loadgen.open(more);
        requireAll("connections opened", more.length, opened.opened, opened.failures);
        const joined = await loadgen.join();
        requireAll("joins", more.length, joined.joined, joined.failures);
        open = count;
        await pause(options.clock, settleMs);
        const rss = await server.rssBytes();
        points.push({
          connections: count,
          rss_bytes: rss,
          bytes_per_connection: Math.round((rss - baseline) / count),
        });
        options.log(`  ${count} connections: ${Math.round((rss - baseline) / count)} B each`);
      }
      return { baseline_rss_bytes: baseline, points };
    });
  }
  return result;
}

if (import.meta.main) await runScenarioCli(runIdleMemory, idleMemoryTable);

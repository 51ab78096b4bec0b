/**
 * Idle memory: the server's RSS (VmRSS from /proc) per authenticated, joined,
 * idle connection, at 1 000 and 5 000 connections in rooms of 10. The figure is
 * (RSS with N connections − RSS before any) / N, on one server per target.
 *
 * RSS is read twice per count. "Just joined" is 3 s after the last join, when
 * the heap still holds the handshakes' garbage and a young generation grown to
 * absorb them. "Idle" is the median of the readings 30–60 s after the last
 * join, once the connections have sat idle long enough for V8's idle-time
 * collections to run (they shrank Switchboard's RSS per connection by up to a
 * half, 15–30 s after the joins); the median, because V8 grows and shrinks its
 * heap in steps while idle, for every target alike.
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
  lowerMedian,
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
/** When RSS is read after the last join: once just after, then over an idle window. */
interface IdleTiming {
  justJoinedMs: number;
  idleFromMs: number;
  idleUntilMs: number;
  sampleEveryMs: number;
}

const FULL_TIMING: IdleTiming = {
  justJoinedMs: 3000,
  idleFromMs: 30_000,
  idleUntilMs: 60_000,
  sampleEveryMs: 2000,
};
const SMOKE_TIMING: IdleTiming = {
  justJoinedMs: 300,
  idleFromMs: 600,
  idleUntilMs: 1000,
  sampleEveryMs: 100,
};

/** RSS at one connection count. */
export interface IdleMemoryPoint {
  connections: number;
  /** RSS a few seconds after the last join. */
  just_joined_rss_bytes: number;
  just_joined_bytes_per_connection: number;
  /** The median RSS over the idle window: the scenario's figure. */
  rss_bytes: number;
  bytes_per_connection: number;
  /** Every reading of the idle window, in order. */
  idle_rss_samples: number[];
}

/** The middle value (the lower middle of an even count); NaN for none. */
export function median(values: number[]): number {
  return lowerMedian(values, (value) => value) ?? NaN;
}

/** RSS readings over the idle window, `timing.idleFromMs` to `idleUntilMs` after the joins. */
async function idleSamples(
  rssBytes: () => Promise<number>,
  clock: ScenarioOptions["clock"],
  timing: IdleTiming,
): Promise<number[]> {
  await pause(clock, timing.idleFromMs - timing.justJoinedMs);
  const samples = [await rssBytes()];
  const more = Math.floor((timing.idleUntilMs - timing.idleFromMs) / timing.sampleEveryMs);
  for (let sample = 0; sample < more; sample++) {
    await pause(clock, timing.sampleEveryMs);
    samples.push(await rssBytes());
  }
  return samples;
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
  const timing = options.smoke ? SMOKE_TIMING : FULL_TIMING;
  const result: ScenarioResult<IdleMemoryResult> = {
    scenario: "idle_memory",
    smoke: options.smoke,
    targets: {},
  };
  for (const target of selectTargets(options, PEER_COMPARISON)) {
    options.log(`idle_memory: ${target.label}`);
    result.targets[target.name] = await measureTarget(target, options, async (server, loadgen) => {
      await pause(options.clock, timing.justJoinedMs);
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
        const perConnection = (rss: number) => Math.round((rss - baseline) / count);
        await pause(options.clock, timing.justJoinedMs);
        const justJoined = await server.rssBytes();
        const samples = await idleSamples(() => server.rssBytes(), options.clock, timing);
        const idle = median(samples);
        points.push({
          connections: count,
          just_joined_rss_bytes: justJoined,
          just_joined_bytes_per_connection: perConnection(justJoined),
          rss_bytes: idle,
          bytes_per_connection: perConnection(idle),
          idle_rss_samples: samples,
        });
        options.log(
          `  ${count} connections: ${perConnection(justJoined)} B each just joined, ` +
            `${perConnection(idle)} B idle`,
        );
      }
      return { baseline_rss_bytes: baseline, points };
    });
  }
  return result;
}

if (import.meta.main) await runScenarioCli(runIdleMemory, idleMemoryTable);

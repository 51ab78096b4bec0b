/**
 * Big room: N people in one room, Switchboard against the bare Deno hub in the
 * same run, at 1 000, 5 000 and 10 000 members. Per size, on a fresh server:
 *
 * - **join**: all N sockets opened (`hello` for Switchboard, the open for the
 *   hub), then all N joined to one room; the time from the first socket until
 *   the last `joined` ("open and join"), the join phase alone, and the server
 *   CPU per join over both (µs);
 * - **memory**: (RSS − RSS before any socket) / N, 3 s after the last join
 *   ("just joined") and the median of readings 30–60 s after it ("idle"), as
 *   `idle_memory` reads them;
 * - **fan-out**: one publisher steps its rate up (×1.4 per 3 s step, then two
 *   bisecting steps) until delivery falls short or p99 passes 1 s (one message
 *   to 10 000 sockets is ~100 ms of sending for the hub too, so `fan_out`'s
 *   100 ms would fail every step); the highest sustained deliveries/s and its p99.
 *
 * The targets (issue 19, ratios in the same run): open-and-join ≤ 2× the hub's,
 * memory idle ≤ 1.3× and just joined ≤ 2× the hub's, fan-out ≥ 0.9×. Each
 * process needs a file descriptor per socket: the scenario raises its soft
 * `RLIMIT_NOFILE` to the hard limit (the servers it starts inherit it) and
 * refuses to run a size the limit cannot hold.
 *
 * Run alone: `deno run -A bench/scenarios/big_room.ts [--smoke] [--targets=a,b] [--sizes=1000,5000]`:
 * prints the table and writes the results to `bench/results/<date>-big_room.json`
 * (a smoke run's are only printed).
 *
 * @example
 * ```ts
 * const result = await runBigRoom({ smoke: true, clock: createBenchClock(), log: console.log });
 * result.targets.switchboard; // { status: "ok", result: { sizes: [...] } }
 * ```
 */
import { raiseOpenFilesLimit } from "../open_files.ts";
import { bigRoomTable } from "../report.ts";
import type { TargetName } from "../targets.ts";
import { median } from "./idle_memory.ts";
import {
  type CpuShare,
  measureCpu,
  measureTarget,
  parseBenchArgs,
  pause,
  requireAll,
  type ScenarioOptions,
  type ScenarioResult,
  selectTargets,
} from "./common.ts";
import { type FanOutPlan, stepFanOut } from "./fan_out.ts";
import { createBenchClock } from "../loadgen/bench_clock.ts";

const FULL_SIZES = [1_000, 5_000, 10_000];
const SMOKE_SIZES = [20];
const BIG_ROOM_TARGETS: TargetName[] = ["switchboard", "deno-hub"];
const ROOM = "big";
/** File descriptors a process needs besides its sockets (KV, pipes, workers). */
const SPARE_FILES = 512;

/** When RSS is read after the last join. */
const FULL_TIMING = {
  justJoinedMs: 3_000,
  idleFromMs: 30_000,
  idleUntilMs: 60_000,
  everyMs: 2_000,
};
const SMOKE_TIMING = { justJoinedMs: 200, idleFromMs: 400, idleUntilMs: 600, everyMs: 100 };

/** The fan-out's bound on p99: sending one message to N sockets takes ~10 µs × N. */
const BIG_FAN_OUT_P99_MS = 1_000;

/** The fan-out of one size: the first rate offers ~20 000 deliveries/s whatever N is. */
function fanOutPlan(members: number, smoke: boolean): FanOutPlan {
  return smoke
    ? {
      subscribers: members,
      firstRate: 50,
      growth: 2,
      maxSteps: 1,
      refineSteps: 0,
      stepMs: 500,
      drainMs: 1_000,
      warmupMs: 0,
    }
    : {
      subscribers: members,
      firstRate: Math.max(2, Math.round(20_000 / members)),
      growth: 1.4,
      maxSteps: 10,
      refineSteps: 2,
      stepMs: 3_000,
      drainMs: 2_000,
      warmupMs: 1_000,
      maxP99Ms: BIG_FAN_OUT_P99_MS,
    };
}

/** One size's figures. */
export interface BigRoomSize {
  members: number;
  /** From the first socket until the last was ready (`hello`, or the open). */
  open_ms: number;
  /** From the first `join` sent until the last `joined`. */
  join_ms: number;
  /** Open and join: what the target compares. */
  open_and_join_ms: number;
  /** Server CPU over opening and joining, per member, in µs. */
  server_us_per_join: number;
  join_cpu: CpuShare;
  just_joined_bytes_per_connection: number;
  idle_bytes_per_connection: number;
  idle_rss_samples: number[];
  max_sustained_deliveries_per_s: number;
  /** p99 of the best sustained fan-out step. */
  fan_out_p99_ms: number;
  /** Server CPU per delivery at the highest complete fan-out step, in µs. */
  fan_out_server_us_per_delivery: number;
  /** Every fan-out step, as run: its rate, what it delivered, its p99, who else used the CPU. */
  fan_out_steps: BigRoomFanOutStep[];
}

/** One fan-out step of a size, in short. */
export interface BigRoomFanOutStep {
  rate_msgs_per_s: number;
  deliveries_per_s: number;
  delivery_ratio: number;
  p99_ms: number;
  server_us_per_delivery: number;
  others_cpu_pct: number;
  sustained: boolean;
  /** The first few errors the load generator saw. */
  errors: string[];
}

/** A target's big-room figures. */
export interface BigRoomResult {
  sizes: BigRoomSize[];
}

/** Measures one target at one size, on the server `measureTarget` started. */
async function measureSize(
  options: ScenarioOptions,
  target: TargetName,
  members: number,
): Promise<BigRoomSize | { failed: string }> {
  const timing = options.smoke ? SMOKE_TIMING : FULL_TIMING;
  const outcome = await measureTarget(
    selectTargets({ ...options, targets: [target] }, [target])[0],
    options,
    async (server, loadgen) => {
      await pause(options.clock, timing.justJoinedMs);
      const baseline = await server.rssBytes();
      const connections = Array.from({ length: members }, (_, index) => ({
        index,
        rooms: [ROOM],
      }));
      let openMs = 0;
      let joinMs = 0;
      const { value: _, ...joinCpu } = await measureCpu(server, options.clock, async () => {
        const opened = await loadgen.open(connections, { timeoutMs: 120_000 });
        requireAll("connections opened", members, opened.opened, opened.failures);
        openMs = opened.allReadyMs;
        const joinStarted = options.clock.now();
        const joined = await loadgen.join(120_000);
        requireAll("joins", members, joined.joined, joined.failures);
        joinMs = options.clock.now() - joinStarted;
      });
      const perConnection = (rss: number) => Math.round((rss - baseline) / members);
      await pause(options.clock, timing.justJoinedMs);
      const justJoined = await server.rssBytes();
      await pause(options.clock, timing.idleFromMs - timing.justJoinedMs);
      const samples = [await server.rssBytes()];
      for (let at = timing.idleFromMs; at < timing.idleUntilMs; at += timing.everyMs) {
        await pause(options.clock, timing.everyMs);
        samples.push(await server.rssBytes());
      }
      // The members just measured are the subscribers: connection 0 publishes into their room.
      const fanOut = await stepFanOut(
        server,
        loadgen,
        options,
        fanOutPlan(members, options.smoke),
        ROOM,
      );
      const { best } = fanOut;
      const complete = fanOut.steps.filter((step) => step.delivery_ratio >= 1)
        .sort((a, b) => b.rate_msgs_per_s - a.rate_msgs_per_s)[0];
      const size: BigRoomSize = {
        members,
        open_ms: Math.round(openMs),
        join_ms: Math.round(joinMs),
        open_and_join_ms: Math.round(openMs + joinMs),
        server_us_per_join: Math.round(joinCpu.server_cpu_s * 1e6 / members),
        join_cpu: joinCpu,
        just_joined_bytes_per_connection: perConnection(justJoined),
        idle_bytes_per_connection: perConnection(median(samples)),
        idle_rss_samples: samples,
        max_sustained_deliveries_per_s: best?.deliveries_per_s ?? 0,
        fan_out_p99_ms: best?.p99_ms ?? 0,
        fan_out_server_us_per_delivery: complete?.server_us_per_delivery ?? 0,
        fan_out_steps: fanOut.steps.map((step) => ({
          rate_msgs_per_s: step.rate_msgs_per_s,
          deliveries_per_s: step.deliveries_per_s,
          delivery_ratio: step.delivery_ratio,
          p99_ms: step.p99_ms,
          server_us_per_delivery: step.server_us_per_delivery,
          others_cpu_pct: step.others_cpu_pct,
          sustained: step.sustained,
          errors: step.errors.slice(0, 3),
        })),
      };
      options.log(
        `  ${members}: open ${size.open_ms} ms + join ${size.join_ms} ms, ` +
          `${size.server_us_per_join} µs server CPU per join, ` +
          `${size.just_joined_bytes_per_connection} B/conn just joined, ` +
          `${size.idle_bytes_per_connection} B/conn idle, ` +
          `${size.max_sustained_deliveries_per_s} deliveries/s (p99 ${size.fan_out_p99_ms} ms)`,
      );
      return size;
    },
  );
  if (outcome.status === "ok") return outcome.result;
  return { failed: outcome.status === "skipped" ? outcome.reason : outcome.error };
}

/** The big-room scenario: Switchboard and the bare hub, each size on fresh servers. */
export async function runBigRoom(
  options: ScenarioOptions & { sizes?: number[] },
): Promise<ScenarioResult<BigRoomResult>> {
  const sizes = options.sizes ?? (options.smoke ? SMOKE_SIZES : FULL_SIZES);
  const limit = raiseOpenFilesLimit();
  const result: ScenarioResult<BigRoomResult> = {
    scenario: "big_room",
    smoke: options.smoke,
    targets: {},
  };
  const targets = selectTargets(options, BIG_ROOM_TARGETS).map((target) => target.name);
  const measured = new Map<TargetName, BigRoomSize[]>(targets.map((name) => [name, []]));
  for (const members of sizes) {
    if (limit !== undefined && limit < members + SPARE_FILES) {
      options.log(
        `big_room: ${members} members need ${members + SPARE_FILES} files; ulimit ${limit}`,
      );
      continue;
    }
    // The hub first at each size, then Switchboard: the two sizes' runs sit side by side in time.
    const hubFirst = targets.toSorted((a, b) =>
      Number(b === "deno-hub") - Number(a === "deno-hub")
    );
    for (const target of hubFirst) {
      if (!measured.has(target)) continue;
      options.log(`big_room: ${target}, ${members} members`);
      const size = await measureSize(options, target, members);
      if ("failed" in size) {
        result.targets[target] = { status: "failed", error: size.failed };
        measured.delete(target);
        continue;
      }
      measured.get(target)?.push(size);
    }
  }
  for (const [target, done] of measured) {
    result.targets[target] = { status: "ok", result: { sizes: done } };
  }
  return result;
}

if (import.meta.main) {
  const args = parseBenchArgs(Deno.args, ["--sizes"]);
  const sizes = args.extra["--sizes"]?.split(",").map(Number);
  const result = await runBigRoom({
    ...args,
    sizes,
    clock: createBenchClock(),
    log: (line) => console.error(line),
  });
  console.log(bigRoomTable(result));
  const json = JSON.stringify(result, null, 2) + "\n";
  if (args.smoke) console.log(json);
  else {
    const date = new Date().toISOString().slice(0, 10);
    const out = new URL(`../results/${date}-big_room.json`, import.meta.url).pathname;
    await Deno.writeTextFile(out, json);
    console.error(`results: ${out}`);
  }
}

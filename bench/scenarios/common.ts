/**
 * What every scenario shares: its options, the per-target outcome (measured,
 * skipped with a reason, or failed with the server's last output), a server
 * started and stopped around each measurement, and the command line of a
 * scenario run on its own.
 *
 * @example
 * ```ts
 * const outcome = await measureTarget(TARGETS["deno-hub"], options, async (server) => {
 *   return { rss: await server.rssBytes() };
 * });
 * ```
 */
import type { Clock } from "../../lib/time/clock.ts";
import { createBenchClock } from "../loadgen/bench_clock.ts";
import { CLIENT_KINDS, type ClientKind } from "../loadgen/connection.ts";
import type { Histogram } from "../loadgen/histogram.ts";
import { createLoadGenerator, type LoadGenerator } from "../loadgen/loadgen.ts";
import { readCpuSeconds, readMachineBusySeconds } from "../process_stats.ts";
import { type RunningServer, startServer } from "../server_process.ts";
import { type Target, type TargetName, TARGETS } from "../targets.ts";

/** How a scenario runs. */
export interface ScenarioOptions {
  /** A seconds-long tiny version, for CI. */
  smoke: boolean;
  /** Limits the targets measured to these (each scenario measures those of its own list). */
  targets?: TargetName[];
  /** Load-generator workers; by default one per core but one. */
  workers?: number;
  /** The load generator's client; by default `raw`. */
  client?: ClientKind;
  clock: Clock;
  log(line: string): void;
}

/** One target's outcome in a scenario. */
export type TargetOutcome<T> =
  | { status: "ok"; result: T }
  | { status: "skipped"; reason: string }
  | { status: "failed"; error: string };

/** A scenario's results, target by target, in the order measured. */
export interface ScenarioResult<T> {
  scenario: string;
  smoke: boolean;
  targets: Partial<Record<TargetName, TargetOutcome<T>>>;
}

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  samples: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Summarises a microsecond histogram in milliseconds (three decimals). */
export function summarize(latencyMicros: Histogram): LatencySummary {
  const ms = (micros: number) => Math.round(micros) / 1000;
  return {
    samples: latencyMicros.count,
    p50_ms: ms(latencyMicros.percentile(50)),
    p99_ms: ms(latencyMicros.percentile(99)),
    max_ms: ms(latencyMicros.max),
  };
}

/** CPU use over a stretch of wall time, in % of one core. */
export interface CpuShare {
  server_cpu_pct: number;
  loadgen_cpu_pct: number;
  /** Everything else on the machine (other people's work): it competes for the same cores. */
  others_cpu_pct: number;
  /** The server's CPU seconds in all. */
  server_cpu_s: number;
  /** The load generator's CPU seconds in all. */
  loadgen_cpu_s: number;
}

/** CPU use of the server, of the load generator and of everything else while `work` runs. */
export async function measureCpu<T>(
  server: RunningServer,
  clock: Clock,
  work: () => Promise<T>,
): Promise<{ value: T } & CpuShare> {
  const sample = async () => ({
    server: await server.cpuSeconds(),
    loadgen: await readCpuSeconds("self"),
    machine: await readMachineBusySeconds(),
    at: clock.now(),
  });
  const before = await sample();
  const value = await work();
  const after = await sample();
  const seconds = (after.at - before.at) / 1000;
  const percent = (used: number) => Math.max(0, Math.round((used / seconds) * 100));
  const serverSeconds = after.server - before.server;
  const loadgenSeconds = after.loadgen - before.loadgen;
  return {
    value,
    server_cpu_pct: percent(serverSeconds),
    loadgen_cpu_pct: percent(loadgenSeconds),
    others_cpu_pct: percent(after.machine - before.machine - serverSeconds - loadgenSeconds),
    server_cpu_s: Math.round(serverSeconds * 100) / 100,
    loadgen_cpu_s: Math.round(loadgenSeconds * 100) / 100,
  };
}

/** Targets whose one-off preparation (a build) already ran in this process. */
const prepared = new Set<string>();

/**
 * Starts `target`, runs `measure` against it with a load generator, and stops
 * everything whatever happens. An unavailable target is skipped with its reason.
 */
export async function measureTarget<T>(
  target: Target,
  options: ScenarioOptions,
  measure: (server: RunningServer, loadgen: LoadGenerator) => Promise<T>,
): Promise<TargetOutcome<T>> {
  const reason = await target.unavailable();
  if (reason) {
    options.log(`  ${target.label}: skipped (${reason})`);
    return { status: "skipped", reason };
  }
  let server: RunningServer | undefined;
  let loadgen: LoadGenerator | undefined;
  try {
    if (!prepared.has(target.name)) {
      await target.prepare?.();
      prepared.add(target.name);
    }
    server = await startServer(target, { clock: options.clock });
    loadgen = await createLoadGenerator({
      origin: server.origin,
      dialect: target.dialect,
      secret: target.dialect === "switchboard" ? server.secret : undefined,
      workers: options.workers,
      client: options.client,
      clock: options.clock,
    });
    return { status: "ok", result: await measure(server, loadgen) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tail = server?.logTail();
    options.log(`  ${target.label}: failed: ${message}`);
    return {
      status: "failed",
      error: tail ? `${message}\n--- server output ---\n${tail}` : message,
    };
  } finally {
    await loadgen?.close();
    await server?.stop();
  }
}

/**
 * The scenario's own targets that `options.targets` lets through, in the
 * scenario's order: all of them but the opt-in variants when it is not given.
 */
export function selectTargets(options: ScenarioOptions, own: TargetName[]): Target[] {
  return own.filter((name) =>
    options.targets ? options.targets.includes(name) : !TARGETS[name].onlyWhenNamed
  ).map((name) => TARGETS[name]);
}

/**
 * The item whose value is the median, the lower middle of an even count (so
 * it is always one that was measured); undefined for none.
 *
 * @example
 * ```ts
 * lowerMedian([30, 10, 40, 20], (value) => value); // 20
 * ```
 */
export function lowerMedian<T>(items: readonly T[], valueOf: (item: T) => number): T | undefined {
  const sorted = items.toSorted((a, b) => valueOf(a) - valueOf(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Waits on the scenario's clock (letting memory settle, for instance). */
export function pause(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** Throws unless every requested connection opened and joined. */
export function requireAll(what: string, wanted: number, got: number, failures: string[]) {
  if (got < wanted) {
    throw new Error(
      `${what}: ${got} of ${wanted}; first failures: ${failures.slice(0, 3).join("; ")}`,
    );
  }
}

/** Parsed command line of a scenario or of run.ts. */
export interface BenchArgs {
  smoke: boolean;
  targets?: TargetName[];
  workers?: number;
  client?: ClientKind;
}

/** Parses `--smoke`, `--targets=a,b`, `--workers=N` and `--client=raw|websocket`; throws on anything else. */
export function parseBenchArgs(args: string[], extra: string[] = []): BenchArgs & {
  extra: Record<string, string>;
} {
  const parsed: BenchArgs & { extra: Record<string, string> } = { smoke: false, extra: {} };
  for (const arg of args) {
    const [flag, value] = arg.split("=", 2);
    if (flag === "--smoke" && value === undefined) parsed.smoke = true;
    else if (flag === "--targets" && value) {
      const names = value.split(",");
      const unknown = names.filter((name) => !(name in TARGETS));
      if (unknown.length) {
        throw new Error(
          `unknown targets ${unknown.join(", ")}; known: ${Object.keys(TARGETS).join(", ")}`,
        );
      }
      parsed.targets = names as TargetName[];
    } else if (flag === "--workers" && value && /^\d+$/.test(value)) parsed.workers = Number(value);
    else if (flag === "--client" && CLIENT_KINDS.includes(value as ClientKind)) {
      parsed.client = value as ClientKind;
    } else if (extra.includes(flag) && value) parsed.extra[flag] = value;
    else {
      throw new Error(
        `unknown argument ${arg}; use --smoke, --targets=a,b, --workers=N, --client=${
          CLIENT_KINDS.join("|")
        }${extra.map((flag) => `, ${flag}=…`).join("")}`,
      );
    }
  }
  return parsed;
}

/** Runs one scenario from the command line: prints its table, then its JSON. */
export async function runScenarioCli<T>(
  run: (options: ScenarioOptions) => Promise<ScenarioResult<T>>,
  table: (result: ScenarioResult<T>) => string,
): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(2);
  }
  const result = await run({
    ...args,
    clock: createBenchClock(),
    log: (line) => console.error(line),
  });
  console.log(table(result));
  console.log(JSON.stringify(result, null, 2));
}

/**
 * Fan-out: one room, N subscribers, 150-byte messages. The offered rate steps
 * up until delivery falls below 100 % or p99 exceeds 100 ms; the figure is the
 * highest sustained deliveries/s. Once the bare Deno hub's maximum is known,
 * every target also runs one step at half of it, to compare p99 at equal load.
 *
 * Run alone: `deno run -A bench/scenarios/fan_out.ts [--smoke] [--targets=a,b]`.
 *
 * @example
 * ```ts
 * const result = await runFanOut({ smoke: true, clock: createBenchClock(), log: console.log });
 * result.targets["deno-hub"]; // { status: "ok", result: { runs: [...] } }
 * ```
 */
import type { LoadGenerator } from "../loadgen/loadgen.ts";
import type { RunningServer } from "../server_process.ts";
import { PEER_COMPARISON, type Target } from "../targets.ts";
import { fanOutTable } from "../report.ts";
import {
  type LatencySummary,
  measureCpu,
  measureTarget,
  requireAll,
  runScenarioCli,
  type ScenarioOptions,
  type ScenarioResult,
  selectTargets,
  summarize,
} from "./common.ts";

const ROOM = "fanout";
const BODY_BYTES = 150;
const MAX_P99_MS = 100;

/** One size of the fan-out and how its rate steps. */
export interface FanOutPlan {
  subscribers: number;
  firstRate: number;
  growth: number;
  maxSteps: number;
  stepMs: number;
  drainMs: number;
  warmupMs: number;
}

const FULL_PLANS: FanOutPlan[] = [
  {
    subscribers: 1000,
    firstRate: 20,
    growth: 1.5,
    maxSteps: 14,
    stepMs: 5000,
    drainMs: 3000,
    warmupMs: 2000,
  },
  {
    subscribers: 5000,
    firstRate: 4,
    growth: 1.5,
    maxSteps: 14,
    stepMs: 5000,
    drainMs: 3000,
    warmupMs: 2000,
  },
];
const SMOKE_PLANS: FanOutPlan[] = [
  {
    subscribers: 20,
    firstRate: 50,
    growth: 2,
    maxSteps: 2,
    stepMs: 600,
    drainMs: 1000,
    warmupMs: 0,
  },
];

/** The fan-out plans of a full or a smoke run. */
export function fanOutPlans(smoke: boolean): FanOutPlan[] {
  return smoke ? SMOKE_PLANS : FULL_PLANS;
}

/** One rate step. */
export interface FanOutStep extends LatencySummary {
  rate_msgs_per_s: number;
  offered_deliveries_per_s: number;
  sent: number;
  expected: number;
  delivered: number;
  delivery_ratio: number;
  deliveries_per_s: number;
  server_cpu_pct: number;
  loadgen_cpu_pct: number;
  sustained: boolean;
  errors: string[];
}

/** One subscriber count's steps and verdict. */
export interface FanOutRun {
  subscribers: number;
  steps: FanOutStep[];
  /** The best sustained step's deliveries/s (0 if none was sustained). */
  max_sustained_deliveries_per_s: number;
  max_sustained_rate_msgs_per_s: number;
  /** The step at half of the bare Deno hub's maximum rate, when it is known. */
  reference_step?: FanOutStep;
}

/** A target's fan-out figures. */
export interface FanOutResult {
  runs: FanOutRun[];
}

async function runStep(
  server: RunningServer,
  loadgen: LoadGenerator,
  options: ScenarioOptions,
  plan: FanOutPlan,
  rate: number,
): Promise<FanOutStep> {
  const { value: phase, server_cpu_pct, loadgen_cpu_pct } = await measureCpu(
    server,
    options.clock,
    () =>
      loadgen.runPhase({
        durationMs: plan.stepMs,
        bodyBytes: BODY_BYTES,
        drainMs: plan.drainMs,
        // One publisher: its cost is one send per message, against N receives.
        publishers: [{ index: 0, room: ROOM, ratePerSecond: rate, offsetMs: 0 }],
      }),
  );
  const latency = summarize(phase.latencyMicros);
  return {
    rate_msgs_per_s: rate,
    offered_deliveries_per_s: rate * plan.subscribers,
    sent: phase.sent,
    expected: phase.expected,
    delivered: phase.delivered,
    delivery_ratio: Math.round(phase.deliveryRatio * 10_000) / 10_000,
    deliveries_per_s: Math.round(phase.deliveriesPerSecond),
    ...latency,
    server_cpu_pct,
    loadgen_cpu_pct,
    sustained: phase.expected > 0 && phase.delivered >= phase.expected &&
      latency.p99_ms <= MAX_P99_MS,
    errors: phase.errors,
  };
}

/**
 * Measures one target at one plan: connects, steps the rate up until it is no
 * longer sustained, then runs the comparison step at the rate that
 * `referenceRateFor` gives for this target's own maximum rate (none if undefined).
 */
export async function runFanOutPlan(
  server: RunningServer,
  loadgen: LoadGenerator,
  options: ScenarioOptions,
  plan: FanOutPlan,
  referenceRateFor: (maxSustainedRate: number) => number | undefined = () => undefined,
): Promise<FanOutRun> {
  const connections = Array.from({ length: plan.subscribers }, (_, index) => ({
    index,
    rooms: [ROOM],
  }));
  const opened = await loadgen.open(connections);
  requireAll("connections opened", plan.subscribers, opened.opened, opened.failures);
  const joined = await loadgen.join();
  requireAll("joins", plan.subscribers, joined.joined, joined.failures);
  if (plan.warmupMs > 0) {
    await loadgen.runPhase({
      durationMs: plan.warmupMs,
      bodyBytes: BODY_BYTES,
      drainMs: plan.drainMs,
      publishers: [{ index: 0, room: ROOM, ratePerSecond: plan.firstRate, offsetMs: 0 }],
    });
  }

  const steps: FanOutStep[] = [];
  let rate = plan.firstRate;
  for (let step = 0; step < plan.maxSteps; step++) {
    const result = await runStep(server, loadgen, options, plan, rate);
    steps.push(result);
    options.log(
      `  ${server.target.label} N=${plan.subscribers} ${rate} msg/s: ` +
        `${result.deliveries_per_s} deliveries/s, ratio ${result.delivery_ratio}, ` +
        `p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, server ${result.server_cpu_pct} % CPU, ` +
        `loadgen ${result.loadgen_cpu_pct} % CPU`,
    );
    if (!result.sustained) break;
    rate = Math.round(rate * plan.growth);
  }
  const best = steps.filter((step) => step.sustained).at(-1);
  const referenceRate = referenceRateFor(best?.rate_msgs_per_s ?? 0);
  return {
    subscribers: plan.subscribers,
    steps,
    max_sustained_deliveries_per_s: best?.deliveries_per_s ?? 0,
    max_sustained_rate_msgs_per_s: best?.rate_msgs_per_s ?? 0,
    reference_step: referenceRate
      ? await runStep(server, loadgen, options, plan, referenceRate)
      : undefined,
  };
}

/**
 * Runs the fan-out over `targets`, the bare Deno hub first so that, `withReference`,
 * its half-rate reference is known before the others run.
 */
export async function runFanOutOver(
  scenario: string,
  targets: Target[],
  options: ScenarioOptions,
  withReference: boolean,
): Promise<ScenarioResult<FanOutResult>> {
  const isHub = (target: Target) => target.name === "deno-hub";
  const ordered = [...targets].sort((a, b) => Number(isHub(b)) - Number(isHub(a)));
  const result: ScenarioResult<FanOutResult> = { scenario, smoke: options.smoke, targets: {} };
  const referenceRates = new Map<number, number>();
  for (const target of ordered) {
    options.log(`${scenario}: ${target.label}`);
    const runs: FanOutRun[] = [];
    // Each plan gets a fresh server, so one size's leftovers do not weigh on the next.
    for (const plan of fanOutPlans(options.smoke)) {
      const referenceRateFor = (maxSustainedRate: number) => {
        if (!withReference) return undefined;
        if (isHub(target) && maxSustainedRate > 0) {
          referenceRates.set(plan.subscribers, Math.round(maxSustainedRate / 2));
        }
        return referenceRates.get(plan.subscribers);
      };
      const outcome = await measureTarget(
        target,
        options,
        (server, loadgen) => runFanOutPlan(server, loadgen, options, plan, referenceRateFor),
      );
      if (outcome.status !== "ok") {
        result.targets[target.name] = outcome;
        break;
      }
      runs.push(outcome.result);
      result.targets[target.name] = { status: "ok", result: { runs } };
    }
  }
  return result;
}

/** The fan-out scenario over Switchboard and every peer. */
export function runFanOut(options: ScenarioOptions): Promise<ScenarioResult<FanOutResult>> {
  return runFanOutOver("fan_out", selectTargets(options, PEER_COMPARISON), options, true);
}

if (import.meta.main) await runScenarioCli(runFanOut, fanOutTable);

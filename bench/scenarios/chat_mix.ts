/**
 * Chat mix: 2 000 clients in rooms of 10, each sending one 150-byte message per
 * 10 s at a random phase; p50/p99 from intended send to delivery.
 *
 * Run alone: `deno run -A bench/scenarios/chat_mix.ts [--smoke] [--targets=a,b]`.
 *
 * @example
 * ```ts
 * const result = await runChatMix({ smoke: true, clock: createBenchClock(), log: console.log });
 * ```
 */
import { createSeededRandom } from "../../lib/time/random.ts";
import { chatMixTable } from "../report.ts";
import { PEER_COMPARISON } from "../targets.ts";
import {
  type CpuShare,
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

interface ChatMixPlan {
  clients: number;
  roomSize: number;
  /** Each client sends one message per this many milliseconds. */
  periodMs: number;
  durationMs: number;
  drainMs: number;
}

const FULL_PLAN: ChatMixPlan = {
  clients: 2000,
  roomSize: 10,
  periodMs: 10_000,
  durationMs: 20_000,
  drainMs: 3_000,
};
const SMOKE_PLAN: ChatMixPlan = {
  clients: 20,
  roomSize: 10,
  periodMs: 500,
  durationMs: 1_000,
  drainMs: 1_000,
};
const BODY_BYTES = 150;
/** Fixed, so every target gets the same send schedule. */
const SCHEDULE_SEED = 7;

/** A target's chat-mix figures. */
export interface ChatMixResult extends LatencySummary, CpuShare {
  clients: number;
  rooms: number;
  sent: number;
  expected: number;
  delivered: number;
  delivery_ratio: number;
  deliveries_per_s: number;
  errors: string[];
}

/** The chat-mix scenario over Switchboard and every peer. */
export async function runChatMix(options: ScenarioOptions): Promise<ScenarioResult<ChatMixResult>> {
  const plan = options.smoke ? SMOKE_PLAN : FULL_PLAN;
  const rooms = Math.ceil(plan.clients / plan.roomSize);
  const roomOf = (index: number) => `chat-${Math.floor(index / plan.roomSize)}`;
  const result: ScenarioResult<ChatMixResult> = {
    scenario: "chat_mix",
    smoke: options.smoke,
    targets: {},
  };
  for (const target of selectTargets(options, PEER_COMPARISON)) {
    options.log(`chat_mix: ${target.label}`);
    result.targets[target.name] = await measureTarget(target, options, async (server, loadgen) => {
      const connections = Array.from(
        { length: plan.clients },
        (_, index) => ({ index, rooms: [roomOf(index)] }),
      );
      const opened = await loadgen.open(connections);
      requireAll("connections opened", plan.clients, opened.opened, opened.failures);
      const joined = await loadgen.join();
      requireAll("joins", plan.clients, joined.joined, joined.failures);
      const random = createSeededRandom(SCHEDULE_SEED);
      const { value: phase, ...cpu } = await measureCpu(
        server,
        options.clock,
        () =>
          loadgen.runPhase({
            durationMs: plan.durationMs,
            bodyBytes: BODY_BYTES,
            drainMs: plan.drainMs,
            publishers: connections.map(({ index }) => ({
              index,
              room: roomOf(index),
              ratePerSecond: 1000 / plan.periodMs,
              offsetMs: random() * plan.periodMs,
            })),
          }),
      );
      const figures: ChatMixResult = {
        clients: plan.clients,
        rooms,
        sent: phase.sent,
        expected: phase.expected,
        delivered: phase.delivered,
        delivery_ratio: Math.round(phase.deliveryRatio * 10_000) / 10_000,
        deliveries_per_s: Math.round(phase.deliveriesPerSecond),
        ...summarize(phase.latencyMicros),
        ...cpu,
        errors: phase.errors,
      };
      options.log(
        `  ${figures.delivered}/${figures.expected} delivered, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms`,
      );
      return figures;
    });
  }
  return result;
}

if (import.meta.main) await runScenarioCli(runChatMix, chatMixTable);

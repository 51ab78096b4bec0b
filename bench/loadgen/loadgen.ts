/**
 * The load generator: a coordinator over Deno workers, each owning a share of
 * the connections, so that on a small machine the generator's own event loop is
 * not what limits the measurement. Bounded: at most {@linkcode MAX_CONNECTIONS}
 * connections and {@linkcode MAX_PHASE_MS} per phase, against 127.0.0.1 only.
 *
 * @example
 * ```ts
 * const loadgen = await createLoadGenerator({ origin: "ws://127.0.0.1:8000", dialect: "peer" });
 * await loadgen.open([{ index: 0, rooms: ["a"] }, { index: 1, rooms: ["a"] }]);
 * await loadgen.join();
 * const phase = await loadgen.runPhase({
 *   durationMs: 1_000,
 *   bodyBytes: 150,
 *   drainMs: 1_000,
 *   publishers: [{ index: 0, room: "a", ratePerSecond: 100, offsetMs: 0 }],
 * });
 * phase.deliveryRatio; // 1 when every member got every message
 * await loadgen.close();
 * ```
 */
import type { Clock } from "../../lib/time/clock.ts";
import { createBenchClock } from "./bench_clock.ts";
import type { ClientKind } from "./connection.ts";
import { createHistogram, type Histogram } from "./histogram.ts";
import { assertLoopback } from "./loopback.ts";
import type { Dialect } from "./wire.ts";
import type {
  CollectReply,
  ConnectionSpec,
  JoinReply,
  OpenReply,
  PublisherSpec,
  PublishReply,
  WorkerReply,
  WorkerRequest,
} from "./worker_protocol.ts";

export type { ConnectionSpec, PublisherSpec };

/** The most connections one load generator opens. */
export const MAX_CONNECTIONS = 20_000;
/** The longest phase, publishing plus draining. */
export const MAX_PHASE_MS = 120_000;
/** Lead time so every worker starts a phase's schedule at the same instant. */
const PHASE_LEAD_MS = 100;
const DRAIN_POLL_MS = 50;

/** What the load generator targets and how it runs. */
export interface LoadGeneratorOptions {
  /** `ws://127.0.0.1:PORT`; any other host is refused. */
  origin: string;
  dialect: Dialect;
  /** A JWT secret to mint one token per connection (Switchboard only). */
  secret?: string;
  /** Which client the workers connect with. Default `raw`. */
  client?: ClientKind;
  /** Worker count; by default one per core but one, left to the server. */
  workers?: number;
  clock?: Clock;
}

/** The outcome of opening connections. */
export interface OpenResult {
  requested: number;
  opened: number;
  failures: string[];
  /** From the first socket's creation until the last connection was ready. */
  allReadyMs: number;
  /** Per connection: socket creation to ready, in microseconds. */
  readyMicros: Histogram;
}

/**
 * From the first worker's first socket until the last connection was ready, in
 * ms; 0 if none became ready. Each worker mints its tokens before its first
 * socket, so the span starts at the earliest `openingAt`, not when `open` was
 * called.
 *
 * @example
 * ```ts
 * allReadyMsOf([{ openingAt: 100, lastReadyAt: 300 }, { openingAt: 104, lastReadyAt: 310 }]); // 210
 * ```
 */
export function allReadyMsOf(replies: Pick<OpenReply, "openingAt" | "lastReadyAt">[]): number {
  const ready = replies.filter((reply) => reply.lastReadyAt > 0);
  if (ready.length === 0) return 0;
  const firstOpening = Math.min(...replies.map((reply) => reply.openingAt));
  return Math.max(...ready.map((reply) => reply.lastReadyAt)) - firstOpening;
}

/** The outcome of joining every open connection to its rooms. */
export interface JoinResult {
  joined: number;
  failures: string[];
}

/** One publishing phase. */
export interface PhaseOptions {
  durationMs: number;
  bodyBytes: number;
  /** How long to wait after the last send for deliveries still in flight. */
  drainMs: number;
  publishers: PublisherSpec[];
}

/** What a phase measured. */
export interface PhaseResult {
  phase: number;
  durationMs: number;
  sent: number;
  unsent: number;
  /** Messages sent times members of their room. */
  expected: number;
  delivered: number;
  deliveryRatio: number;
  deliveriesPerSecond: number;
  /** Intended send time to receipt, in microseconds. */
  latencyMicros: Histogram;
  errors: string[];
}

/** A running load generator. */
export interface LoadGenerator {
  open(
    connections: ConnectionSpec[],
    options?: { concurrency?: number; timeoutMs?: number },
  ): Promise<OpenResult>;
  join(timeoutMs?: number): Promise<JoinResult>;
  runPhase(options: PhaseOptions): Promise<PhaseResult>;
  /** Closes every connection and stops the workers. */
  close(): Promise<void>;
}

interface WorkerHandle {
  call<T>(request: DistributiveOmit<WorkerRequest, "id">): Promise<T>;
  terminate(): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function startWorker(): WorkerHandle {
  const worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  worker.onmessage = (event: MessageEvent<WorkerReply>) => {
    const reply = event.data;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.value);
    else waiter?.reject(new Error(reply.error));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    for (const waiter of pending.values()) waiter.reject(new Error(event.message));
    pending.clear();
  };
  return {
    call<T>(request: DistributiveOmit<WorkerRequest, "id">) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        worker.postMessage({ ...request, id });
      });
    },
    terminate: () => worker.terminate(),
  };
}

function defaultWorkerCount(): number {
  return Math.max(1, navigator.hardwareConcurrency - 1);
}

/** Starts the workers and points them at the target. */
export async function createLoadGenerator(options: LoadGeneratorOptions): Promise<LoadGenerator> {
  const origin = assertLoopback(options.origin);
  const clock = options.clock ?? createBenchClock();
  const workerCount = options.workers ?? defaultWorkerCount();
  if (!Number.isInteger(workerCount) || workerCount < 1 || workerCount > 64) {
    throw new Error(`workers must be an integer in 1..64, got ${workerCount}`);
  }
  const workers = Array.from({ length: workerCount }, startWorker);
  const membersByRoom = new Map<string, number>();
  let connectionCount = 0;
  let nextPhase = 0;
  const workerOf = (index: number) => workers[index % workers.length];
  const callAll = <T>(request: DistributiveOmit<WorkerRequest, "id">) =>
    Promise.all(workers.map((worker) => worker.call<T>(request)));

  try {
    await callAll({
      op: "init",
      origin,
      dialect: options.dialect,
      client: options.client ?? "raw",
      secret: options.secret,
    });
  } catch (error) {
    workers.forEach((worker) => worker.terminate());
    throw error;
  }

  const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

  return {
    async open(connections, { concurrency = 256, timeoutMs = 30_000 } = {}) {
      if (connectionCount + connections.length > MAX_CONNECTIONS) {
        throw new Error(`at most ${MAX_CONNECTIONS} connections per load generator`);
      }
      connectionCount += connections.length;
      for (const spec of connections) {
        for (const room of spec.rooms) membersByRoom.set(room, (membersByRoom.get(room) ?? 0) + 1);
      }
      const perWorker = Math.max(1, Math.ceil(concurrency / workers.length));
      const replies = await Promise.all(workers.map((worker, position) =>
        worker.call<OpenReply>({
          op: "open",
          connections: connections.filter((spec) => workerOf(spec.index) === workers[position]),
          concurrency: perWorker,
          timeoutMs,
        })
      ));
      const readyMicros = createHistogram();
      replies.forEach((reply) => readyMicros.merge(reply.readyMicros));
      return {
        requested: connections.length,
        opened: readyMicros.count,
        failures: replies.flatMap((reply) => reply.failures),
        allReadyMs: allReadyMsOf(replies),
        readyMicros,
      };
    },

    async join(timeoutMs = 30_000) {
      const replies = await callAll<JoinReply>({ op: "join", timeoutMs });
      return {
        joined: replies.reduce((sum, reply) => sum + reply.joined, 0),
        failures: replies.flatMap((reply) => reply.failures),
      };
    },

    async runPhase({ durationMs, bodyBytes, drainMs, publishers }) {
      if (durationMs + drainMs > MAX_PHASE_MS) {
        throw new Error(`a phase lasts at most ${MAX_PHASE_MS} ms, publishing plus draining`);
      }
      const phase = nextPhase++;
      const startAt = clock.now() + PHASE_LEAD_MS;
      const published = await Promise.all(workers.map((worker) =>
        worker.call<PublishReply>({
          op: "publish",
          phase,
          startAt,
          durationMs,
          bodyBytes,
          publishers: publishers.filter((publisher) => workerOf(publisher.index) === worker),
        })
      ));
      let sent = 0;
      let expected = 0;
      for (const { sentByRoom } of published) {
        for (const [room, count] of Object.entries(sentByRoom)) {
          sent += count;
          expected += count * (membersByRoom.get(room) ?? 0);
        }
      }
      const drainUntil = clock.now() + drainMs;
      let collected = await callAll<CollectReply>({ op: "collect", phase });
      const deliveredOf = (replies: CollectReply[]) =>
        replies.reduce((sum, reply) => sum + reply.delivered, 0);
      while (deliveredOf(collected) < expected && clock.now() < drainUntil) {
        await wait(DRAIN_POLL_MS);
        collected = await callAll<CollectReply>({ op: "collect", phase });
      }
      const latencyMicros = createHistogram();
      collected.forEach((reply) => latencyMicros.merge(reply.latencyMicros));
      const delivered = deliveredOf(collected);
      return {
        phase,
        durationMs,
        sent,
        unsent: published.reduce((sum, reply) => sum + reply.unsent, 0),
        expected,
        delivered,
        deliveryRatio: expected === 0 ? 0 : delivered / expected,
        deliveriesPerSecond: delivered / (durationMs / 1000),
        latencyMicros,
        errors: collected.flatMap((reply) => reply.errors),
      };
    },

    async close() {
      try {
        await callAll({ op: "close" });
      } finally {
        workers.forEach((worker) => worker.terminate());
      }
    },
  };
}

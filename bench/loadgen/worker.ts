/**
 * A load-generator worker: owns a share of the connections, publishes its
 * share of a phase on an open-loop schedule and counts the deliveries its
 * connections receive. Started by loadgen.ts; speaks worker_protocol.ts.
 *
 * Open loop: message k of a publisher is due at `start + offset + k / rate`, its
 * body carries that intended time, and latency is measured from it. A send the
 * worker makes late (because it or the server stalled) still counts from when it
 * should have left, so a stall shows up in the latency instead of hiding.
 *
 * @example
 * ```ts
 * const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
 * worker.postMessage({
 *   id: 1,
 *   op: "init",
 *   origin: "ws://127.0.0.1:8000",
 *   dialect: "peer",
 *   client: "raw",
 * });
 * ```
 */
/// <reference lib="deno.worker" />
import { createBenchClock } from "./bench_clock.ts";
import { type BenchConnection, type Client, createClient } from "./connection.ts";
import { createHistogram, type Histogram } from "./histogram.ts";
import { encodeBody } from "./marker.ts";
import { createTokenMinter } from "./tokens.ts";
import { createWire, type Wire } from "./wire.ts";
import type {
  CollectReply,
  ConnectionSpec,
  JoinReply,
  OpenReply,
  PublishReply,
  WorkerReply,
  WorkerRequest,
} from "./worker_protocol.ts";

/** Enough error texts to diagnose a run; the rest are only counted. */
const MAX_ERROR_SAMPLES = 10;

interface Deliveries {
  count: number;
  latencyMicros: Histogram;
}

interface OpenConnection {
  spec: ConnectionSpec;
  connection: BenchConnection;
  joined: boolean;
}

const clock = createBenchClock();
const workerId = crypto.randomUUID().slice(0, 8);
const deliveriesByPhase = new Map<number, Deliveries>();
const connections = new Map<number, OpenConnection>();
const errors: string[] = [];
let errorCount = 0;
let target: { origin: string; wire: Wire; client: Client; secret?: string } | undefined;
/** The phase of the last delivery, cached: deliveries come in long runs of one phase. */
let currentPhase = -1;
let current: Deliveries | undefined;

function recordError(message: string) {
  errorCount++;
  if (errors.length < MAX_ERROR_SAMPLES) errors.push(message);
}

function recordDelivery(phase: number, intendedAt: number, receivedAt: number) {
  if (phase !== currentPhase || !current) {
    current = deliveriesByPhase.get(phase);
    if (!current) {
      current = { count: 0, latencyMicros: createHistogram() };
      deliveriesByPhase.set(phase, current);
    }
    currentPhase = phase;
  }
  current.count++;
  current.latencyMicros.record((receivedAt - intendedAt) * 1000);
}

/** Settles within `timeoutMs`: the promise's outcome, or a timeout error. */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new Error(`${what} timed out`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clock.clearTimeout(timer));
}

async function open(
  specs: ConnectionSpec[],
  concurrency: number,
  timeoutMs: number,
): Promise<OpenReply> {
  if (!target) throw new Error("init first");
  const { origin, wire, client, secret } = target;
  // Tokens are minted before the first socket opens, and the storm is timed from
  // `openingAt`, so signing (~0.1 ms per token) is not counted as the server's time.
  const mint = secret ? await createTokenMinter(secret, clock.now) : undefined;
  const tokens = mint ? await Promise.all(specs.map((spec) => mint(spec.index))) : [];
  const openingAt = clock.now();
  const readyMicros = createHistogram();
  const failures: string[] = [];
  let lastReadyAt = 0;
  let next = 0;

  const openOne = async (position: number) => {
    const spec = specs[position];
    const openedAt = clock.now();
    const connection = client.open({
      origin,
      wire,
      clock,
      token: tokens[position],
      onDelivery: recordDelivery,
      onError: recordError,
    });
    try {
      await withTimeout(connection.ready, timeoutMs, `connection ${spec.index}`);
      const readyAt = clock.now();
      readyMicros.record((readyAt - openedAt) * 1000);
      lastReadyAt = Math.max(lastReadyAt, readyAt);
      connections.set(spec.index, { spec, connection, joined: false });
    } catch (error) {
      connection.close();
      if (failures.length < MAX_ERROR_SAMPLES) failures.push(`${spec.index}: ${error}`);
    }
  };
  const lane = async () => {
    while (next < specs.length) await openOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, lane));
  return {
    opened: readyMicros.count,
    failures,
    readyMicros: readyMicros.toJSON(),
    openingAt,
    lastReadyAt,
  };
}

async function join(timeoutMs: number): Promise<JoinReply> {
  const failures: string[] = [];
  let joined = 0;
  const unjoined = [...connections.values()].filter((open) => !open.joined);
  await Promise.all(unjoined.map(async (open) => {
    const { spec, connection } = open;
    open.joined = true;
    for (const room of spec.rooms) {
      try {
        await withTimeout(connection.join(room), timeoutMs, `join ${spec.index} ${room}`);
        joined++;
      } catch (error) {
        if (failures.length < MAX_ERROR_SAMPLES) failures.push(String(error));
      }
    }
  }));
  return { joined, failures };
}

function publish(request: Extract<WorkerRequest, { op: "publish" }>): Promise<PublishReply> {
  const { phase, startAt, durationMs, bodyBytes, publishers } = request;
  const endAt = startAt + durationMs;
  const sentByRoom: Record<string, number> = {};
  let unsent = 0;
  let sequence = 0;

  const runPublisher = (index: number, room: string, ratePerSecond: number, offsetMs: number) =>
    new Promise<void>((resolve) => {
      const connection = connections.get(index)?.connection;
      const interval = 1000 / ratePerSecond;
      let dueAt = startAt + offsetMs;
      const tick = () => {
        const now = clock.now();
        for (; dueAt <= now && dueAt < endAt; dueAt += interval) {
          // Unique per phase and worker: Switchboard treats a repeated cid as a retry.
          const cid = `${phase}-${workerId}-${++sequence}`;
          const frame = target!.wire.publish(room, encodeBody(phase, dueAt, bodyBytes), cid);
          if (connection?.send(frame)) sentByRoom[room] = (sentByRoom[room] ?? 0) + 1;
          else unsent++;
        }
        if (dueAt >= endAt) resolve();
        else clock.setTimeout(tick, Math.max(0, dueAt - clock.now()));
      };
      clock.setTimeout(tick, Math.max(0, dueAt - clock.now()));
    });

  return Promise.all(
    publishers.map((p) => runPublisher(p.index, p.room, p.ratePerSecond, p.offsetMs)),
  ).then(() => ({ sentByRoom, unsent }));
}

function collect(phase: number): CollectReply {
  const deliveries = deliveriesByPhase.get(phase);
  return {
    delivered: deliveries?.count ?? 0,
    latencyMicros: (deliveries?.latencyMicros ?? createHistogram()).toJSON(),
    errors: errorCount > errors.length
      ? [...errors, `… and ${errorCount - errors.length} more`]
      : [...errors],
  };
}

async function closeAll(): Promise<null> {
  for (const { connection } of connections.values()) connection.close();
  connections.clear();
  await target?.client.close();
  return null;
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    switch (request.op) {
      case "init":
        target = {
          origin: request.origin,
          wire: createWire(request.dialect),
          client: createClient(request.client),
          secret: request.secret,
        };
        return { id: request.id, ok: true, value: null };
      case "open":
        return {
          id: request.id,
          ok: true,
          value: await open(request.connections, request.concurrency, request.timeoutMs),
        };
      case "join":
        return { id: request.id, ok: true, value: await join(request.timeoutMs) };
      case "publish":
        return { id: request.id, ok: true, value: await publish(request) };
      case "collect":
        return { id: request.id, ok: true, value: collect(request.phase) };
      case "close":
        return { id: request.id, ok: true, value: await closeAll() };
    }
  } catch (error) {
    return { id: request.id, ok: false, error: String(error) };
  }
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  self.postMessage(await handle(event.data));
};

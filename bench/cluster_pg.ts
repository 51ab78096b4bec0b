/**
 * The `cluster` scenario: one room with subscribers spread over several
 * Switchboard processes on one PostgreSQL (the postgres cluster engine),
 * against the same on one process with the local engine and Deno KV (what
 * `deno task start` runs). Each setup is separate `serve.ts` processes
 * (`WORKERS=1`) on 127.0.0.1, the PostgreSQL a private one (as the tests
 * start it: `fsync=off`, so commit latency here is CPU, not a disk flush).
 *
 * - **fan-out**: one publisher on the first process sends `--messages` at
 *   `--rate` per second; every subscriber records publish → delivery, apart
 *   for subscribers on the publisher's process and on another one;
 *   deliveries/s over the whole run.
 * - **commits**: `--publishers` on every process, each with 8 sends in flight,
 *   all into one room for `--commit-s` seconds: acked messages/s (the one-room
 *   ceiling: commits to a room take turns on its head row, and PostgreSQL
 *   serializes the commits of transactions that notify).
 * - **PostgreSQL transactions per message** (`pg_stat_database.xact_commit`)
 *   during the fan-out, the idle rate taken off.
 *
 * ```sh
 * deno run -A bench/cluster_pg.ts [--subscribers=200] [--messages=300] [--rate=100] [--publishers=4] [--commit-s=5] [--smoke]
 * ```
 *
 * @example
 * ```ts
 * const result = await runSetup({ engine: "postgres", processes: 2 }, options);
 * result.fanOut.other.p99_ms; // publish → delivery on the other process
 * ```
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { createTokenIssuer } from "../lib/server/auth/tokens.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../lib/protocol/version.ts";
import type { ServerFrame } from "../lib/protocol/mod.ts";
import { createSystemClock } from "../lib/time/clock.ts";
import { privatePostgres } from "../tests/_helpers/postgres.ts";
import { TEST_SECRET } from "../tests/_helpers/server.ts";
import { type ServerProcess, startServerProcess } from "../tests/_helpers/server_process.ts";
import { createHistogram } from "./loadgen/histogram.ts";
import { type LatencySummary, summarize } from "./scenarios/common.ts";

/** Which engine, on how many processes. */
export interface Setup {
  engine: "local" | "postgres";
  processes: number;
}

/** The knobs of a run. */
export interface ClusterBenchOptions {
  subscribers: number;
  messages: number;
  rate: number;
  publishers: number;
  commitS: number;
}

/** What one setup measured. */
export interface SetupResult {
  setup: string;
  fanOut: {
    deliveries: number;
    deliveriesPerS: number;
    /** Subscribers on the publisher's process. */
    same: LatencySummary;
    /** Subscribers on another process (none with one process). */
    other: LatencySummary;
  };
  commitsPerS: number;
  /** PostgreSQL transactions per message published (postgres only). */
  pgTransactionsPerMessage?: number;
}

const LIMITS = {
  RATE_BURST: "1000000",
  RATE_PER_SECOND: "1000000",
  MAX_CONNECTIONS_PER_ADDRESS: "100000",
  LOG_LEVEL: "warn",
};
const IN_FLIGHT = 8;
/** Longest a phase may take before the bench gives up on it. */
const PHASE_DEADLINE_MS = 120_000;

const issuer = await createTokenIssuer({
  secrets: [TEST_SECRET],
  ttlS: 3_600,
  clock: createSystemClock(),
});
const tokenFor = async (name: string) =>
  (await issuer.sign({ id: `user:${name}`, name, role: "user" })).token;
const nowMs = () => performance.timeOrigin + performance.now();

/** Opens a socket, resolves at its `hello`. */
async function open(process: ServerProcess, name: string, onFrame: (frame: ServerFrame) => void) {
  const socket = new WebSocket(`ws://127.0.0.1:${process.port}/api/ws`, [
    PROTOCOL,
    BEARER_PROTOCOL_PREFIX + await tokenFor(name),
  ]);
  const hello = Promise.withResolvers<void>();
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data) as ServerFrame;
    if (frame.type === "hello") hello.resolve();
    onFrame(frame);
  };
  socket.onclose = () => hello.reject(new Error(`${name}'s socket closed`));
  await hello.promise;
  return socket;
}

/** Joins `room` on `socket` and waits for `joined`. */
function join(socket: WebSocket, room: string, frames: { joined?: () => void }) {
  const joined = Promise.withResolvers<void>();
  frames.joined = joined.resolve;
  socket.send(JSON.stringify({ type: "join", room }));
  return joined.promise;
}

function deadline<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done in time`)), PHASE_DEADLINE_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Opens and joins the subscribers and the publisher; `publish` runs the fan-out. */
async function prepareFanOut(processes: ServerProcess[], options: ClusterBenchOptions) {
  const same = createHistogram();
  const other = createHistogram();
  const expected = options.subscribers * options.messages;
  let delivered = 0;
  let lastAt = 0;
  const allDelivered = Promise.withResolvers<void>();
  const sockets: WebSocket[] = [];
  for (let index = 0; index < options.subscribers; index++) {
    const process = processes[index % processes.length];
    const histogram = index % processes.length === 0 ? same : other;
    const frames: { joined?: () => void } = {};
    const socket = await open(process, `sub-${index}`, (frame) => {
      if (frame.type === "joined") frames.joined?.();
      if (frame.type !== "message") return;
      histogram.record((nowMs() - Number(frame.text)) * 1000);
      lastAt = nowMs();
      if (++delivered === expected) allDelivered.resolve();
    });
    await join(socket, "fan", frames);
    sockets.push(socket);
  }
  const publisherFrames: { joined?: () => void } = {};
  const publisher = await open(processes[0], "publisher", (frame) => {
    if (frame.type === "joined") publisherFrames.joined?.();
  });
  await join(publisher, "fan", publisherFrames);
  const publish = async () => {
    const startedAt = nowMs();
    for (let index = 0; index < options.messages; index++) {
      const dueAt = startedAt + (index * 1000) / options.rate;
      const wait = dueAt - nowMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      publisher.send(
        JSON.stringify({ type: "send", room: "fan", text: String(nowMs()), cid: `m${index}` }),
      );
    }
    await deadline("fan-out", allDelivered.promise);
    for (const socket of [...sockets, publisher]) socket.close();
    return {
      deliveries: delivered,
      deliveriesPerS: Math.round(delivered / ((lastAt - startedAt) / 1000)),
      same: summarize(same),
      other: summarize(other),
    };
  };
  return { publish };
}

async function commits(processes: ServerProcess[], options: ClusterBenchOptions) {
  let acked = 0;
  let stopAt = Infinity;
  const publishers = processes.flatMap((process, processIndex) =>
    Array.from({ length: options.publishers }, (_, index) => ({ process, processIndex, index }))
  );
  const runs = await Promise.all(publishers.map(async ({ process, processIndex, index }) => {
    const name = `pub-${processIndex}-${index}`;
    let sent = 0;
    let inFlight = 0;
    const done = Promise.withResolvers<void>();
    const frames: { joined?: () => void } = {};
    const socket = await open(process, name, (frame) => {
      if (frame.type === "joined") frames.joined?.();
      if (frame.type !== "ack") return;
      inFlight--;
      if (nowMs() < stopAt) {
        acked++;
        sendOne();
      } else if (inFlight === 0) done.resolve();
    });
    const sendOne = () => {
      inFlight++;
      socket.send(
        JSON.stringify({ type: "send", room: "hot", text: "x", cid: `${name}-${sent++}` }),
      );
    };
    await join(socket, "hot", frames);
    return { socket, sendOne, done: done.promise };
  }));
  stopAt = nowMs() + options.commitS * 1000;
  for (const run of runs) for (let slot = 0; slot < IN_FLIGHT; slot++) run.sendOne();
  await deadline("commits", Promise.all(runs.map((run) => run.done)));
  runs.forEach((run) => run.socket.close());
  return Math.round(acked / options.commitS);
}

/** Committed transactions of the database so far. */
async function transactions(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`
      select xact_commit::bigint as n from pg_stat_database where datname = current_database()`;
    return Number(row.n);
  } finally {
    await sql.end();
  }
}

/** Runs one setup on fresh processes (and a fresh database). */
export async function runSetup(
  setup: Setup,
  options: ClusterBenchOptions,
  database: () => Promise<string>,
): Promise<SetupResult> {
  const url = setup.engine === "postgres" ? await database() : undefined;
  const env = url ? { ...LIMITS, DATABASE_URL: url, METRICS_TOKEN: "bench" } : LIMITS;
  const processes: ServerProcess[] = [];
  try {
    for (let index = 0; index < setup.processes; index++) {
      processes.push(await startServerProcess({ env }));
    }
    let idlePerS = 0;
    if (url) {
      const before = await transactions(url);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      idlePerS = ((await transactions(url)) - before) / 2;
    }
    const fanOut = await prepareFanOut(processes, options);
    const before = url ? await transactions(url) : 0;
    const fanStartedAt = nowMs();
    const fan = await fanOut.publish();
    const fanS = (nowMs() - fanStartedAt) / 1000;
    const pgTransactionsPerMessage = url
      ? Math.round(((await transactions(url)) - before - idlePerS * fanS) / options.messages * 10) /
        10
      : undefined;
    const commitsPerS = await commits(processes, options);
    return {
      setup: `${setup.engine} × ${setup.processes}`,
      fanOut: fan,
      commitsPerS,
      ...(pgTransactionsPerMessage === undefined ? {} : { pgTransactionsPerMessage }),
    };
  } finally {
    await Promise.all(processes.map((process) => process.close()));
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      subscribers: { type: "string", default: "200" },
      messages: { type: "string", default: "300" },
      rate: { type: "string", default: "100" },
      publishers: { type: "string", default: "4" },
      "commit-s": { type: "string", default: "5" },
      smoke: { type: "boolean", default: false },
    },
  });
  const options: ClusterBenchOptions = values.smoke
    ? { subscribers: 10, messages: 20, rate: 50, publishers: 1, commitS: 1 }
    : {
      subscribers: Number(values.subscribers),
      messages: Number(values.messages),
      rate: Number(values.rate),
      publishers: Number(values.publishers),
      commitS: Number(values["commit-s"]),
    };
  const pg = privatePostgres();
  if (!pg) Deno.exit(1);
  const setups: Setup[] = [
    { engine: "local", processes: 1 },
    { engine: "postgres", processes: 1 },
    { engine: "postgres", processes: 2 },
    { engine: "postgres", processes: 3 },
  ];
  const results: SetupResult[] = [];
  for (const setup of setups) results.push(await runSetup(setup, options, pg.database));
  console.log(JSON.stringify({ options, results }, null, 2));
  console.log(
    "\n| setup | deliveries/s | p50 / p99 same process (ms) | p50 / p99 other process (ms) | " +
      "commits/s, one room | PG transactions per message |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const result of results) {
    const { fanOut: fan } = result;
    const other = fan.other.samples ? `${fan.other.p50_ms} / ${fan.other.p99_ms}` : "–";
    console.log(
      `| ${result.setup} | ${fan.deliveriesPerS} | ${fan.same.p50_ms} / ${fan.same.p99_ms} | ` +
        `${other} | ${result.commitsPerS} | ${result.pgTransactionsPerMessage ?? "–"} |`,
    );
  }
}

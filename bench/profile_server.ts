/**
 * Profiles Switchboard's own isolate while N clients connect (and join rooms
 * of 10), the work behind the connect-storm and idle-memory figures. The
 * server runs in this process; the load generator's workers are other
 * isolates, so they are not in the profiles. Writes a CPU profile and a
 * sampling heap profile (open them in Chrome DevTools) and prints where the
 * busy time and the allocations went, charged to the project's own functions,
 * plus V8's heap spaces and the live heap per connection after a full GC.
 *
 * Run: `deno run -A --v8-flags=--expose-gc bench/profile_server.ts [--connections=3000]
 * [--join=yes|no] [--room-size=10] [--heap=yes|no] [--out=DIR]` (without `--expose-gc` the live heap is
 * not measured). Heap sampling takes a stack trace every few hundred bytes allocated,
 * which makes whatever allocates look slower in the CPU profile: `--heap=no` leaves
 * it out, for CPU figures to compare with another server's.
 *
 * @example
 * ```sh
 * deno run -A --v8-flags=--expose-gc bench/profile_server.ts --connections=3000
 * # cpu: 14 433 busy samples; 19.3 % (anonymous) lib/server/auth/jws_hs256.ts:59 ...
 * ```
 */
import { Session } from "node:inspector";
import v8 from "node:v8";
import { createSwitchboard } from "../server.ts";
import { createBenchClock } from "./loadgen/bench_clock.ts";
import { createLoadGenerator } from "./loadgen/loadgen.ts";
import { summarizeCpuProfile, summarizeHeapProfile, type SummaryRow } from "./profile_summary.ts";
import { parseBenchArgs, requireAll } from "./scenarios/common.ts";
import { benchSwitchboardEnv } from "./targets.ts";

/** People per room unless `--room-size` says otherwise (a big room: `--room-size=3000`). */
const DEFAULT_ROOM_SIZE = 10;
const ROWS = 15;
const REPO_ROOT = new URL("../", import.meta.url).href;
/** One CPU sample per 100 µs: a handshake costs a few hundred. */
const CPU_SAMPLE_INTERVAL_US = 100;
/** Bytes between heap samples; small, since each connection allocates a few dozen KB. */
const HEAP_SAMPLE_BYTES = 256;

const isOurs = (url: string) => url.startsWith(REPO_ROOT) && !url.includes("/bench/");

function inspector() {
  const session = new Session();
  session.connect();
  return <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params, (error, result) => error ? reject(error) : resolve(result as T))
    );
}

function print(title: string, total: string, rows: SummaryRow[]) {
  console.log(`${title}: ${total}`);
  for (const { frame, share } of rows.slice(0, ROWS)) {
    console.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${frame}`);
  }
}

function heapSpaces(): string {
  return v8.getHeapSpaceStatistics()
    .filter((space) => space.space_size > 0)
    .map((space) => `${space.space_name} ${(space.space_size / 2 ** 20).toFixed(1)} MiB`)
    .join(", ");
}

/** The heap still in use after two full collections, if `--expose-gc` made `gc` available. */
function liveHeapBytes(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
}

const args = parseBenchArgs(Deno.args, [
  "--connections",
  "--join",
  "--room-size",
  "--heap",
  "--out",
]);
const count = Number(args.extra["--connections"] ?? (args.smoke ? 20 : 3000));
const join = (args.extra["--join"] ?? "yes") === "yes";
const roomSize = Number(args.extra["--room-size"] ?? DEFAULT_ROOM_SIZE);
const sampleHeap = (args.extra["--heap"] ?? "yes") === "yes";
const out = args.extra["--out"] ?? await Deno.makeTempDir({ prefix: "switchboard-profile-" });

const dataDir = await Deno.makeTempDir({ prefix: "switchboard-profile-kv-" });
const secret = crypto.randomUUID();
const switchboard = await createSwitchboard({ env: benchSwitchboardEnv(dataDir, secret) });
const server = Deno.serve(
  { port: 0, hostname: "127.0.0.1", onListen: () => {} },
  switchboard.handler,
);
const loadgen = await createLoadGenerator({
  origin: `ws://127.0.0.1:${server.addr.port}`,
  dialect: "switchboard",
  secret,
  clock: createBenchClock(),
});
const post = inspector();
try {
  const liveBefore = liveHeapBytes();
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: CPU_SAMPLE_INTERVAL_US });
  await post("Profiler.start");
  if (sampleHeap) {
    await post("HeapProfiler.startSampling", {
      samplingInterval: HEAP_SAMPLE_BYTES,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  const connections = Array.from({ length: count }, (_, index) => ({
    index,
    rooms: join ? [`profile-${Math.floor(index / roomSize)}`] : [],
  }));
  const opened = await loadgen.open(connections);
  requireAll("connections opened", count, opened.opened, opened.failures);
  if (join) {
    const joined = await loadgen.join();
    requireAll("joins", count, joined.joined, joined.failures);
  }

  // Read before the profiles come back: they are large objects on this heap.
  const spaces = heapSpaces();
  const liveAfter = liveHeapBytes();
  const { profile: cpu } = await post<{ profile: Parameters<typeof summarizeCpuProfile>[0] }>(
    "Profiler.stop",
  );
  const heap = sampleHeap
    ? (await post<{ profile: Parameters<typeof summarizeHeapProfile>[0] }>(
      "HeapProfiler.stopSampling",
    )).profile
    : undefined;
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(`${out}/server.cpuprofile`, JSON.stringify(cpu));
  if (heap) await Deno.writeTextFile(`${out}/server.heapprofile`, JSON.stringify(heap));

  const what = `${count} connections${join ? ` joined to rooms of ${roomSize}` : ""}`;
  console.log(`${what}; profiles in ${out}`);
  const busy = summarizeCpuProfile(cpu, isOurs, REPO_ROOT);
  print("cpu", `${busy.total} busy samples of ${CPU_SAMPLE_INTERVAL_US} µs`, busy.rows);
  if (heap) {
    const allocated = summarizeHeapProfile(heap, isOurs, REPO_ROOT);
    const perConnection = Math.round(allocated.total / count);
    print("allocated", `${perConnection} B per connection (sampled)`, allocated.rows);
  }
  console.log(`heap spaces: ${spaces}`);
  if (liveBefore !== undefined && liveAfter !== undefined) {
    console.log(
      `live heap after GC: ${Math.round((liveAfter - liveBefore) / count)} B per connection`,
    );
  }
} finally {
  await loadgen.close();
  await switchboard.close();
  await server.shutdown();
  await Deno.remove(dataDir, { recursive: true });
}

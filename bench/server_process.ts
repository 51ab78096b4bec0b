/**
 * Starts a target as a child process on a free loopback port, waits until it
 * accepts TCP connections, and stops it again (SIGTERM, then SIGKILL), removing
 * its temporary data. Keeps the last lines of its output for error messages.
 *
 * @example
 * ```ts
 * const server = await startServer(TARGETS["deno-hub"]);
 * const loadgen = await createLoadGenerator({ origin: server.origin, dialect: "peer" });
 * // …
 * await server.stop();
 * ```
 */
import type { Clock } from "../lib/time/clock.ts";
import { createBenchClock } from "./loadgen/bench_clock.ts";
import { readCpuSeconds, readRssBytes } from "./process_stats.ts";
import type { Target } from "./targets.ts";

const LOG_TAIL_LINES = 40;
const READY_POLL_MS = 50;
const STOP_GRACE_MS = 3_000;

/** A target running as a child process. */
export interface RunningServer {
  target: Target;
  /** `ws://127.0.0.1:PORT` */
  origin: string;
  pid: number;
  /** The JWT secret it verifies tokens with. */
  secret: string;
  rssBytes(): Promise<number>;
  cpuSeconds(): Promise<number>;
  /** The last lines it printed. */
  logTail(): string;
  stop(): Promise<void>;
}

/** Options for {@linkcode startServer}. */
export interface StartOptions {
  clock?: Clock;
  readyTimeoutMs?: number;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function randomSecret(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(24)), (byte) => byte.toString(16)).join(
    "",
  );
}

async function keepTail(stream: ReadableStream<Uint8Array>, lines: string[]) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    lines.push(...decoder.decode(chunk, { stream: true }).split("\n").filter(Boolean));
    if (lines.length > LOG_TAIL_LINES) lines.splice(0, lines.length - LOG_TAIL_LINES);
  }
}

async function accepts(port: number): Promise<boolean> {
  try {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    connection.close();
    return true;
  } catch {
    return false;
  }
}

/** Starts `target`; resolves once it accepts connections, throws with its output if it never does. */
export async function startServer(
  target: Target,
  options: StartOptions = {},
): Promise<RunningServer> {
  const clock = options.clock ?? createBenchClock();
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const dataDir = await Deno.makeTempDir({ prefix: `bench-${target.name}-` });
  const secret = randomSecret();
  const port = freePort();
  const launch = target.launch({ port, dataDir, secret });
  const child = new Deno.Command(launch.command, {
    args: launch.args,
    cwd: launch.cwd,
    env: launch.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const drained = Promise.all([keepTail(child.stdout, lines), keepTail(child.stderr, lines)]);
  let exited = false;
  const status = child.status.finally(() => (exited = true));
  const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = clock.setTimeout(() => !exited && child.kill("SIGKILL"), STOP_GRACE_MS);
      await status;
      clock.clearTimeout(timer);
    }
    await drained;
    await Deno.remove(dataDir, { recursive: true });
  };

  const deadline = clock.now() + readyTimeoutMs;
  while (!(await accepts(port))) {
    if (exited || clock.now() > deadline) {
      await stop();
      throw new Error(
        `${target.label} did not start (${exited ? "exited" : "timed out"}):\n${lines.join("\n")}`,
      );
    }
    await wait(READY_POLL_MS);
  }

  return {
    target,
    origin: `ws://127.0.0.1:${port}`,
    pid: child.pid,
    secret,
    rssBytes: () => readRssBytes(child.pid),
    cpuSeconds: () => readCpuSeconds(child.pid),
    logTail: () => lines.join("\n"),
    stop,
  };
}

/**
 * Runs the app the way `deno task start` does, `serve.ts` with one isolate
 * per core (`WORKERS=2` here, the cores of the test machine), as a child
 * process on a free port. `entry: "start.ts"` runs `deno task start`'s own
 * script (which spawns `serve.ts` after checking the build), and
 * `openFiles` runs it under `prlimit` with that open-files limit.
 *
 * @example
 * ```ts
 * const server = await startParallelServer(`${dir}/kv`);
 * server.child.kill("SIGINT");
 * await server.collected;
 * ```
 */
import { TEST_SECRET } from "./server.ts";

const root = new URL("../../", import.meta.url);

/** A running `serve.ts` process with two isolates. */
export interface ParallelServer {
  child: Deno.ChildProcess;
  port: number;
  /** The process that serves: the child, or the `serve.ts` process `start.ts` spawned. */
  serverPid: number;
  /** Resolves once the process's output has been read to its end. */
  collected: Promise<unknown>;
  /** Everything the process printed so far. */
  output(): string;
}

/** Options of {@linkcode startParallelServer}. */
export interface ParallelServerOptions {
  /** More environment; overrides the defaults. */
  env?: Record<string, string>;
  /** The script to run: `serve.ts` (default) or `start.ts`. */
  entry?: "serve.ts" | "start.ts";
  /** Runs the process under `prlimit --nofile=N:N`. */
  openFiles?: number;
}

/** Starts the server and resolves once it listens. */
export async function startParallelServer(
  kvPath: string,
  options: ParallelServerOptions = {},
): Promise<ParallelServer> {
  const deno = [Deno.execPath(), "run", "-A", options.entry ?? "serve.ts"];
  const [command, ...args] = options.openFiles === undefined
    ? deno
    : ["prlimit", `--nofile=${options.openFiles}:${options.openFiles}`, ...deno];
  const child = new Deno.Command(command, {
    args,
    cwd: root.pathname,
    env: {
      KV_PATH: kvPath,
      JWT_SECRETS: TEST_SECRET,
      LOG_LEVEL: "error",
      HOST: "127.0.0.1",
      PORT: "0",
      WORKERS: "2",
      // Tests make guests until both isolates hold one; the kernel may send most connections
      // to one isolate, whose per-address limit (10) must not turn them into 429s.
      GUESTS_PER_ADDRESS: "100",
      ...options.env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const port = Promise.withResolvers<number>();
  const collected = Promise.all(
    [child.stdout, child.stderr].map((stream) =>
      stream.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({
          write(chunk) {
            output += chunk;
            const found = /listening on http:\/\/[^:]+:(\d+)\//.exec(output);
            if (found) port.resolve(Number(found[1]));
          },
        }),
      )
    ),
  );
  child.status.then(() => port.reject(new Error(`server exited early:\n${output}`)));
  return {
    child,
    port: await port.promise,
    // prlimit execs deno, so the child is deno; start.ts spawns serve.ts as its only child.
    serverPid: options.entry === "start.ts" ? await onlyChildOf(child.pid) : child.pid,
    collected,
    output: () => output,
  };
}

/** The one child process of `pid`, whichever of its threads spawned it. */
async function onlyChildOf(pid: number): Promise<number> {
  const children: string[] = [];
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    const listed = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`);
    children.push(...listed.split(" ").filter(Boolean));
  }
  if (children.length !== 1) throw new Error(`expected one child of ${pid}, found ${children}`);
  return Number(children[0]);
}

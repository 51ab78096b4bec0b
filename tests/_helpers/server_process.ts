/**
 * A real Switchboard in a child process, so a test can kill it with SIGKILL
 * (no drain, no goodbye: sockets just die) and start it again on the same
 * port and KV file, the way a crashed server comes back. The process is
 * `serve.ts` with one isolate on 127.0.0.1: the guarded server that
 * `deno task start` runs, so an attack meets every guard production has.
 *
 * @example
 * ```ts
 * await using server = await startServerProcess();
 * await server.kill();    // clients see their sockets die
 * await server.restart(); // same port, same data
 * ```
 */
import { TEST_SECRET } from "./server.ts";

/** A server process that can be killed and restarted. */
export interface ServerProcess extends AsyncDisposable {
  origin: string;
  port: number;
  /** Its KV file, shared by every restart. */
  kvPath: string;
  /** The running process's id (for /proc/<pid>/status); changes on restart. */
  readonly pid: number;
  /** False once the process exited: killed, or crashed on its own. */
  readonly running: boolean;
  /** Kills the process with SIGKILL and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again (after `kill`) on the same port and KV file. */
  restart(): Promise<void>;
  /** Kills it if running and removes its data. */
  close(): Promise<void>;
}

interface Running {
  child: Deno.ChildProcess;
  /** Resolves when stdout is drained and the process has exited. */
  exited: Promise<unknown>;
  /** Set once the process has exited. */
  ended: { value: boolean };
}

async function spawn(
  env: Record<string, string>,
  port: number,
): Promise<Running & { port: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../serve.ts", import.meta.url).pathname],
    env: { HOST: "127.0.0.1", WORKERS: "1", ...env, PORT: String(port) },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  let listening = 0;
  while (!listening) {
    const { done, value } = await lines.read();
    if (done) throw new Error(`the server exited before listening: ${output}`);
    output += value;
    listening = Number(/listening on http:\/\/[^\s]+:(\d+)\//.exec(output)?.[1] ?? 0);
  }
  const ended = { value: false };
  child.status.then(() => ended.value = true);
  // Keep draining stdout so the child never blocks on a full pipe.
  const exited = (async () => {
    while (!(await lines.read()).done);
    await child.status;
  })();
  return { child, exited, ended, port: listening };
}

/** Starts the server process on a free port with KV in a temp dir. */
export async function startServerProcess(
  options: { env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const dir = await Deno.makeTempDir({ prefix: "sb-process-" });
  const kvPath = `${dir}/switchboard.kv`;
  const env = {
    KV_PATH: kvPath,
    JWT_SECRETS: TEST_SECRET,
    LOG_LEVEL: "error",
    ...options.env,
  };
  const first = await spawn(env, 0);
  const port = first.port;
  let running: Running | null = first;

  const kill = async () => {
    if (!running) return;
    const { child, exited } = running;
    running = null;
    child.kill("SIGKILL");
    await exited;
  };
  const close = async () => {
    await kill();
    await Deno.remove(dir, { recursive: true });
  };
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    kvPath,
    get pid() {
      if (!running) throw new Error("the server process is not running");
      return running.child.pid;
    },
    get running() {
      return running !== null && !running.ended.value;
    },
    kill,
    async restart() {
      await kill();
      running = await spawn(env, port);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

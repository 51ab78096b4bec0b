/**
 * Runs the app the way `deno task start` does, `deno serve --parallel
 * main.ts` (one isolate per core), as a child process on a free port.
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

/** A running `deno serve --parallel` process. */
export interface ParallelServer {
  child: Deno.ChildProcess;
  port: number;
  /** Resolves once the process's output has been read to its end. */
  collected: Promise<unknown>;
  /** Everything the process printed so far. */
  output(): string;
}

/** Starts the server and resolves once it listens. */
export async function startParallelServer(kvPath: string): Promise<ParallelServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["serve", "--parallel", "-A", "--port", "0", "main.ts"],
    cwd: root.pathname,
    env: {
      KV_PATH: kvPath,
      JWT_SECRETS: TEST_SECRET,
      LOG_LEVEL: "error",
      // Tests make guests until both isolates hold one; the kernel may send most connections
      // to one isolate, whose per-address limit (10) must not turn them into 429s.
      GUESTS_PER_ADDRESS: "100",
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
            const found = /Listening on http:\/\/[^:]+:(\d+)\//.exec(output);
            if (found) port.resolve(Number(found[1]));
          },
        }),
      )
    ),
  );
  child.status.then(() => port.reject(new Error(`server exited early:\n${output}`)));
  return { child, port: await port.promise, collected, output: () => output };
}

/**
 * Switchboard as a real process, the way it is shipped: `deno serve main.ts`
 * (Deno Deploy, `deno task start`), `serve.ts`, or the compiled binary. A
 * test starts it, waits until it listens, talks to it, signals it and reads
 * everything it printed.
 *
 * @example
 * ```ts
 * await using server = await spawnServer(Deno.execPath(), ["serve", "--port", "0", "main.ts"]);
 * const token = await logIn(server.origin, "ada", "correct horse");
 * ```
 */
import { equal } from "node:assert/strict";

/** A server process that listens. */
export interface ServerProcess extends AsyncDisposable {
  origin: string;
  wsUrl: string;
  port: number;
  pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Sends a signal (SIGINT is what Deno Deploy sends before it stops an instance). */
  kill(signal: Deno.Signal): void;
  /** Resolves with the exit status, once both output streams have ended. */
  exited: Promise<Deno.CommandStatus>;
}

/** Options of {@linkcode spawnServer}. */
export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/** `deno serve` says "Listening on http://…:PORT/", `serve.ts` "listening on http://…:PORT/". */
const LISTENING = /[Ll]istening on http:\/\/[^\s]+:(\d+)\//;

/** Starts `command` and resolves once it printed that it listens; rejects if it exits first. */
export async function spawnServer(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const listening = Promise.withResolvers<number>();
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      const port = LISTENING.exec(output)?.[1];
      if (port) listening.resolve(Number(port));
    }
  };
  const exited = Promise.all([read(child.stdout), read(child.stderr)]).then(() => child.status);
  exited.then((status) =>
    listening.reject(new Error(`exited with ${status.code} before listening:\n${output}`))
  );
  const port = await listening.promise;
  let done = false;
  exited.then(() => done = true);
  return {
    origin: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/ws`,
    port,
    pid: child.pid,
    output: () => output,
    kill: (signal) => child.kill(signal),
    exited,
    async [Symbol.asyncDispose]() {
      if (!done) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Signs in (registering the name first if nobody holds it) and returns the access token. */
export async function logIn(origin: string, name: string, password: string): Promise<string> {
  const attempt = (path: string) =>
    fetch(`${origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, password }),
    });
  let response = await attempt("/api/register");
  if (response.status === 409) {
    await response.body?.cancel();
    response = await attempt("/api/login");
  }
  const body = await response.json();
  equal(response.ok, true, JSON.stringify(body));
  return body.token;
}

/** The log lines a process printed at level `error`. */
export function errorLines(output: string): string[] {
  return output.split("\n").filter((line) => line.includes(`"level":"error"`));
}

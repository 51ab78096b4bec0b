/**
 * Serves Switchboard on `HOST`:`PORT` behind the guarded server
 * (`lib/framework/guarded_server.ts`): request heads that do not arrive in
 * `HEADERS_TIMEOUT_MS` are closed, and connections over the process's budget
 * (below its open-files limit) or over `MAX_TCP_CONNECTIONS_PER_ADDRESS` are
 * refused at accept, so neither idle connections nor descriptor exhaustion
 * can take the process down. This is what `deno task start` runs (with
 * `WORKERS` = the number of cores) and what the single binary runs.
 *
 * With `WORKERS` > 1 each isolate is a web worker of this process, as under
 * `deno serve --parallel`: they share BroadcastChannel fan-out, and each binds
 * the port with SO_REUSEPORT, so the kernel spreads new connections over
 * them. The first one binds (port 0 picks a free port), the others join its
 * port. Every isolate drains on SIGINT/SIGTERM (`main.ts`); the process ends
 * when the last one has. With `REUSE_PORT=1` the port is shared with another
 * process too, so a new process listens beside the old one while the old one
 * drains (rolling restarts).
 *
 * Prints `listening on http://HOST:PORT/` once every isolate listens.
 *
 * @example
 * ```sh
 * PORT=8000 WORKERS=2 deno run -A serve.ts
 * ```
 */
import { type Config, ConfigError, loadConfig } from "./lib/server/config.ts";
import { DatabaseUnavailableError } from "./lib/server/postgres/mod.ts";
import { openStorage } from "./lib/server/storage.ts";
import { createSystemClock } from "./lib/time/clock.ts";
import type { IsolateListen, IsolateMessage } from "./serve_isolate.ts";

let config: Config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`switchboard: ${error.message}`);
  Deno.exit(1);
}
const { workers, host, reusePort } = config;
let { port } = config;

// PostgreSQL is reached and its schema migrated once, before any isolate starts: a database that
// cannot be used stops the start here, with one line naming its host.
if (config.databaseUrl) {
  try {
    await (await openStorage(config, Deno.env.toObject(), { clock: createSystemClock() })).close();
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error;
    console.error(`switchboard: ${error.message}`);
    Deno.exit(1);
  }
}

/** Starts one worker isolate listening on `listen`; resolves with the port it listens on. */
function startWorker(index: number, listen: IsolateListen): Promise<number> {
  const worker = new Worker(new URL("./serve_isolate.ts", import.meta.url), {
    type: "module",
    name: `switchboard-${index}`,
  });
  const listening = Promise.withResolvers<number>();
  worker.onmessage = ({ data }: MessageEvent<IsolateMessage>) => {
    if (data.kind === "ready") worker.postMessage(listen);
    else listening.resolve(data.port);
  };
  // An isolate that cannot start (a database it cannot reach) stops the process with its reason.
  worker.onerror = (event) => {
    event.preventDefault();
    console.error(
      `switchboard: isolate ${index}: ${event.message.replace(/^Uncaught (\(in promise\) )?/, "")}`,
    );
    Deno.exit(1);
  };
  return listening.promise;
}

if (workers === 1) {
  const { serveIsolate } = await import("./serve_isolate.ts");
  port = (await serveIsolate({ port, reusePort })).addr.port;
} else {
  port = await startWorker(0, { port, reusePort: true });
  const others = Array.from({ length: workers - 1 }, (_, index) => index + 1);
  await Promise.all(others.map((index) => startWorker(index, { port, reusePort: true })));
}
console.log(`listening on http://${host}:${port}/`);

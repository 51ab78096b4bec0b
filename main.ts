/**
 * The entry point for `deno serve` and Deno Deploy: it exports `{ fetch }`.
 * Each isolate of `serve.ts` (what `deno task start` runs, one isolate per
 * core) imports it too and serves it with the guarded server.
 *
 * On SIGINT/SIGTERM every isolate drains: clients are told to reconnect
 * elsewhere, spread over a few seconds, within Deno Deploy's 5 s window.
 */
import { createSwitchboard, type Switchboard } from "./server.ts";
import { exitOnSignals } from "./lib/server/shutdown.ts";
import { DatabaseUnavailableError } from "./lib/server/postgres/mod.ts";

/**
 * Creates the instance. A database it cannot use stops the process with one
 * clear line rather than a stack trace (in a worker isolate of `serve.ts`,
 * the error goes to `serve.ts`, which prints it and exits).
 */
async function start(): Promise<Switchboard> {
  try {
    return await createSwitchboard({ dev: Deno.env.get("SWITCHBOARD_DEV") === "1" });
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError) || "WorkerGlobalScope" in globalThis) {
      throw error;
    }
    console.error(`switchboard: ${error.message}`);
    Deno.exit(1);
  }
}

/** The running instance; `serve_isolate.ts` serves it behind the guarded server. */
export const switchboard = await start();

exitOnSignals({
  drain: () => switchboard.services.drain(),
  close: () => switchboard.close(),
  deadlineMs: switchboard.services.config.drainTimeoutMs + 500,
});

export default { fetch: switchboard.handler } satisfies Deno.ServeDefaultExport;

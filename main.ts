/**
 * The entry point for `deno serve` and Deno Deploy: it exports `{ fetch }`.
 * Each isolate of `serve.ts` (what `deno task start` runs, one isolate per
 * core) imports it too and serves it with the guarded server.
 *
 * On SIGINT/SIGTERM every isolate drains: clients are told to reconnect
 * elsewhere, spread over a few seconds, within Deno Deploy's 5 s window.
 */
import { createSwitchboard } from "./server.ts";
import { exitOnSignals } from "./lib/server/shutdown.ts";

/** The running instance; `serve_isolate.ts` serves it behind the guarded server. */
export const switchboard = await createSwitchboard({
  dev: Deno.env.get("SWITCHBOARD_DEV") === "1",
});

exitOnSignals({
  drain: () => switchboard.services.drain(),
  close: () => switchboard.close(),
  deadlineMs: switchboard.services.config.drainTimeoutMs + 500,
});

export default { fetch: switchboard.handler } satisfies Deno.ServeDefaultExport;

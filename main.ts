/**
 * The entry point for `deno serve` (what `deno task start` runs, one isolate
 * per core with `--parallel`) and Deno Deploy: it exports `{ fetch }`.
 *
 * On SIGINT/SIGTERM the server drains: clients are told to reconnect
 * elsewhere, spread over a few seconds, within Deno Deploy's 5 s window.
 */
import { createSwitchboard } from "./server.ts";

const switchboard = await createSwitchboard({ dev: Deno.env.get("SWITCHBOARD_DEV") === "1" });

let draining = false;
const drainAndExit = async () => {
  if (draining) return;
  draining = true;
  await switchboard.services.drain();
  await switchboard.close();
  Deno.exit(0);
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, drainAndExit);
}

export default { fetch: switchboard.handler } satisfies Deno.ServeDefaultExport;

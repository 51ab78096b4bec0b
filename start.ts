/**
 * `deno task start`: checks the configuration (a bad value stops here with a
 * clear message), builds if the build is missing or stale, then runs
 * `serve.ts` on `PORT` (default 8000) with one isolate per core (`WORKERS`,
 * unless set). `serve.ts` rather than `deno serve --parallel main.ts`: its
 * guarded server times out request heads and refuses connections past the
 * open-files limit, where `deno serve`'s accept loop exits the process (see
 * `lib/framework/guarded_server.ts`).
 *
 * @example
 * ```sh
 * PORT=8080 deno task start
 * ```
 */
import { build, isBuildStale } from "./lib/framework/build.ts";
import { ConfigError, loadConfig } from "./lib/server/config.ts";

const root = new URL("./", import.meta.url);

try {
  loadConfig(Deno.env.toObject());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`switchboard: ${error.message}`);
  Deno.exit(1);
}

if (await isBuildStale(root)) {
  const manifest = await build(root);
  console.log(`switchboard: built ${manifest.build_id}`);
}

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("serve.ts", root).pathname],
  cwd: root.pathname,
  env: { WORKERS: Deno.env.get("WORKERS") || String(navigator.hardwareConcurrency) },
  stdin: "null",
}).spawn();

// Pass stop signals on so every isolate drains before the process exits.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => server.kill(signal));
}
Deno.exit((await server.status).code);

/**
 * `deno task dev`: builds, serves, and on every change to routes, islands,
 * components, lib or static files rebuilds, restarts the server and reloads
 * the open pages (they listen on `/_dev/reload` and reload when the server
 * they talk to is a new one).
 *
 * @example
 * ```sh
 * PORT=8000 deno task dev
 * ```
 */
import { build } from "./lib/framework/build.ts";

const root = new URL("./", import.meta.url);
const WATCHED = ["routes", "islands", "components", "lib", "static"];
const port = Deno.env.get("PORT") ?? "8000";

function startServer(): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["serve", "-A", "--port", port, new URL("main.ts", root).pathname],
    cwd: root.pathname,
    env: { SWITCHBOARD_DEV: "1" },
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
}

async function stopServer(server: Deno.ChildProcess): Promise<void> {
  try {
    server.kill("SIGTERM");
  } catch {
    // already exited
  }
  await server.status;
}

async function rebuild(): Promise<boolean> {
  try {
    const manifest = await build(root);
    console.log(`dev: built ${manifest.build_id}`);
    return true;
  } catch (error) {
    console.error(`dev: build failed: ${error instanceof Error ? error.message : error}`);
    return false;
  }
}

await rebuild();
let server = startServer();

// Stopping dev stops its server too, so no orphan keeps the port.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await stopServer(server);
    Deno.exit(0);
  });
}

const watcher = Deno.watchFs(WATCHED.map((folder) => new URL(folder, root).pathname));
let pending: ReturnType<typeof setTimeout> | undefined;
for await (const event of watcher) {
  // manifest.gen.ts is written by the build itself; ignore our own output.
  if (event.paths.every((path) => path.endsWith("manifest.gen.ts"))) continue;
  clearTimeout(pending);
  pending = setTimeout(async () => {
    console.log(
      `dev: change in ${event.paths.map((path) => path.slice(root.pathname.length)).join(", ")}`,
    );
    if (!(await rebuild())) return;
    await stopServer(server);
    server = startServer();
  }, 150);
}

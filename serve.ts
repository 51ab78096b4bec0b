/**
 * Serves Switchboard with `Deno.serve`, for where `deno serve` does not fit:
 * the single binary (`deno task compile`), and rolling restarts on one
 * machine. With `REUSE_PORT=1` the port is bound with SO_REUSEPORT (which
 * needs `--unstable-net`), so a new process listens beside the old one while
 * the old one drains; `main.ts` drains on SIGINT/SIGTERM as under `deno serve`.
 * Listens on `HOST`:`PORT` and prints `listening on http://HOST:PORT/`.
 *
 * @example
 * ```sh
 * PORT=8000 REUSE_PORT=1 deno run -A --unstable-net serve.ts
 * ```
 */
import main, { switchboard } from "./main.ts";

const { host, port, reusePort } = switchboard.services.config;
Deno.serve({
  hostname: host,
  port,
  reusePort,
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/`),
}, main.fetch);

/**
 * One isolate of `serve.ts`: the Switchboard of `main.ts` (which drains on
 * SIGINT/SIGTERM) behind the guarded server (`lib/framework/guarded_server.ts`:
 * request-head and request timeouts, connection caps at accept, in all and
 * per address). The isolate's cap is its share of the process's connection
 * budget (`lib/server/http/tcp_connection_budget.ts`), since all isolates of the process
 * share its open-files limit.
 *
 * `serve.ts` runs it in its own thread when there is one isolate, and as
 * `WORKERS` web workers otherwise: a worker says it is ready, is told where to
 * listen (`{ port, reusePort }`), and answers with the port it listens on.
 *
 * @example
 * ```ts
 * const { serveIsolate } = await import("./serve_isolate.ts");
 * const server = await serveIsolate({ port: 8000, reusePort: false });
 * server.addr.port; // 8000
 * ```
 */
import main, { switchboard } from "./main.ts";
import { type GuardedServer, serveGuarded } from "./lib/framework/guarded_server.ts";
import {
  connectionGuards,
  readOpenFilesLimit,
  tcpConnectionBudget,
} from "./lib/server/http/mod.ts";

/** Where an isolate listens. */
export interface IsolateListen {
  /** 0 for any free port (the first isolate; the others then join its port). */
  port: number;
  /** Bind with SO_REUSEPORT: always when the process has several isolates. */
  reusePort: boolean;
}

/**
 * What a worker isolate says: `ready` once loaded (messages posted to a worker
 * before its module has finished loading are lost), then `listening`.
 */
export type IsolateMessage = { kind: "ready" } | { kind: "listening"; port: number };

/** Serves this isolate's Switchboard; resolves once it listens. */
export async function serveIsolate(listen: IsolateListen): Promise<GuardedServer> {
  const { config, log, metrics } = switchboard.services;
  const budget = tcpConnectionBudget({
    workers: config.workers,
    openFilesLimit: readOpenFilesLimit(),
    configured: config.maxTcpConnections,
  });
  if (budget.warning) log.warn("server.connection_budget", { message: budget.warning });
  const server = await serveGuarded(main.fetch, {
    hostname: config.host,
    port: listen.port,
    reusePort: listen.reusePort,
    maxConnections: budget.perIsolate,
    ...connectionGuards(config),
    onDrop: (reason, address) => {
      metrics.tcpConnectionsDropped.labels(reason).inc();
      log.warn("http.connection_dropped", { reason, address });
    },
    onError: (error) => log.error("http.server_error", { error: String(error) }),
  });
  // Stop accepting at once on a stop signal (a restarted process beside this one takes new
  // connections); main.ts drains the open ones.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => server.close());
  }
  return server;
}

/** The part of a worker's global scope this module talks through (the project type-checks as a window). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<IsolateListen>) => void) | null;
  postMessage(message: IsolateMessage): void;
}

// As a worker of serve.ts: told where to listen, says where it listens.
if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = async (event) => {
    const server = await serveIsolate(event.data);
    scope.postMessage({ kind: "listening", port: server.addr.port });
  };
  scope.postMessage({ kind: "ready" });
}

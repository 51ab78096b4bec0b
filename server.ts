/**
 * Composes Switchboard: configuration → storage (KV, or PostgreSQL with
 * `DATABASE_URL`) → services → the app with its
 * middleware, WebSocket endpoint and file routes. `main.ts` serves it; tests
 * and benchmarks create as many instances as they need in one process.
 *
 * @example
 * ```ts
 * const switchboard = await createSwitchboard({ env: { KV_PATH: ":memory:" } });
 * Deno.serve({ port: 0 }, switchboard.handler);
 * ```
 */
import { App } from "./lib/framework/app.ts";
import type { ServeInfo } from "./lib/framework/socket_handover.ts";
import { readBuildManifest } from "./lib/framework/build_output.ts";
import { compressResponses } from "./lib/framework/compress_responses.ts";
import { errorResponse, nameRequestSpans, securityHeaders } from "./lib/server/http/mod.ts";
import type { Logger } from "./lib/server/log.ts";
import { loadConfig } from "./lib/server/config.ts";
import { createServices, type Services } from "./lib/server/services.ts";
import { createKvStorage, openStorage } from "./lib/server/storage.ts";
import { createWsBlock, type WsBlock } from "./lib/server/test_hooks/mod.ts";
import { type Clock, createSystemClock } from "./lib/time/clock.ts";
import type { Random } from "./lib/time/random.ts";
import manifest from "./manifest.gen.ts";
import type { State } from "./utils.ts";

/** Options of {@linkcode createSwitchboard}. */
export interface SwitchboardOptions {
  /** Environment variables (see README); defaults to the process environment. */
  env?: Record<string, string | undefined>;
  /**
   * A KV database to use instead of opening `KV_PATH` or `DATABASE_URL` (it is
   * then not closed by `close`).
   */
  kv?: Deno.Kv;
  clock?: Clock;
  random?: Random;
  /** Development mode: pages reload when the build changes. */
  dev?: boolean;
  /** Where log lines go; by default JSON lines on standard output at `LOG_LEVEL`. */
  log?: Logger;
  /**
   * With the local cluster engine, isolates with the same bus namespace are one cluster over a
   * BroadcastChannel; by default one per KV path. Give instances on one `kv` different namespaces
   * (and `CLUSTER=kv`) to make them meet only through KV, as separate Deno Deploy instances do.
   */
  busNamespace?: string;
  /** How often metrics snapshots are shared and the status sampled (tests shorten it). */
  metricsIntervalMs?: number;
}

/** A running Switchboard instance. */
export interface Switchboard {
  app: App<State>;
  services: Services;
  handler: (req: Request, info: ServeInfo) => Promise<Response>;
  /** The test-only WebSocket switch; undefined (no switch, no route) unless `TEST_HOOKS=1`. */
  wsBlock?: WsBlock;
  /** Stops timers and sockets, and closes the database it opened. */
  close(): Promise<void>;
  /**
   * Stops as a killed process would (`Services.abandon`: no goodbye to the
   * cluster), and closes the KV database it opened. For tests.
   */
  abandon(): Promise<void>;
}

/**
 * The answers that hold an access token beside the name the request sent: they
 * are never compressed, so their length cannot leak the token (BREACH).
 */
const TOKEN_ENDPOINTS = new Set(["/api/login", "/api/register", "/api/guest", "/api/token"]);

/** The WebSocket endpoint, as `GET /api/config` names it. */
const SOCKET_PATH = "/api/ws";

/** Creates a Switchboard instance. */
export async function createSwitchboard(options: SwitchboardOptions = {}): Promise<Switchboard> {
  const env = options.env ?? Deno.env.toObject();
  const config = loadConfig(env);
  const clock = options.clock ?? createSystemClock();
  const storage = options.kv
    ? createKvStorage(options.kv, { config, clock, location: config.kvPath })
    : await openStorage(config, env, { clock });
  const build = await readBuildManifest(new URL("./_build/", import.meta.url));
  const services = await createServices(config, {
    storage,
    clock,
    random: options.random,
    busNamespace: options.busNamespace,
    metricsIntervalMs: options.metricsIntervalMs,
    log: options.log,
    buildId: build?.build_id ?? env.BUILD_ID ?? "dev",
  });
  const app = new App<State>({
    root: new URL("./", import.meta.url),
    dev: options.dev,
    // What the framework answers itself is worded as the contract's error body, and
    // an unknown API path gets it rather than the 404 page.
    apiPrefix: "/api/",
    errorResponse: ({ status, message }) =>
      errorResponse(status, status === 500 ? "internal" : "bad_request", message),
    onError: (error, req) =>
      services.log.error("http.unhandled", {
        path: new URL(req.url).pathname,
        error: String(error instanceof Error ? error.stack ?? error.message : error),
      }),
  })
    .use(compressResponses({ skip: (req) => TOKEN_ENDPOINTS.has(new URL(req.url).pathname) }))
    .use((ctx) => {
      ctx.state.services = services;
      return ctx.next();
    })
    .use(nameRequestSpans)
    .use(securityHeaders);
  // Test hooks are middleware installed only on request: production paths never consult them.
  const wsBlock = services.config.testHooks
    ? createWsBlock({ log: services.log, socketPath: SOCKET_PATH })
    : undefined;
  if (wsBlock) app.use(wsBlock.middleware);
  app.ws(SOCKET_PATH, services.socketRoute).fsRoutes(manifest);
  return {
    app,
    services,
    handler: app.handler(),
    wsBlock,
    async close() {
      await services.close();
      await storage.close();
    },
    async abandon() {
      await services.abandon();
      await storage.close();
    },
  };
}

/**
 * Starts a real Switchboard on 127.0.0.1 port 0 with KV in a temp dir,
 * behind the guarded server that `serve.ts` and `deno task start` listen
 * with (`lib/framework/guarded_server.ts`), so every test goes through the
 * same HTTP and upgrade path as production. Its connection cap is not the
 * open-files budget of a real process but a fixed 10 000.
 *
 * @example
 * ```ts
 * await using server = await startTestServer();
 * const response = await fetch(`${server.origin}/healthz`);
 * ```
 */
import { createSwitchboard, type Switchboard } from "../../server.ts";
import { serveGuarded } from "../../lib/framework/guarded_server.ts";
import { connectionGuards } from "../../lib/server/http/mod.ts";
import type { Services } from "../../lib/server/services.ts";
import type { Logger } from "../../lib/server/log.ts";
import type { Clock } from "../../lib/time/clock.ts";

/** A secret tests can use to mint their own tokens. */
export const TEST_SECRET = "test-secret-for-switchboard-tests-only";

/** Options of {@linkcode startTestServer}. */
export interface TestServerOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** Reuse a KV file (to test restarts); by default a fresh temp dir. */
  kvPath?: string;
  /** Share one KV database between instances (the Deploy topology in miniature). */
  kv?: Deno.Kv;
  /** Where the server logs; by default JSON lines on standard output at `LOG_LEVEL=error`. */
  log?: Logger;
  /** Writes into the KV file before the server opens it (data a running server would guard). */
  seed?: (kvPath: string) => Promise<void>;
  /** The local engine's channel namespace (see `SwitchboardOptions.busNamespace`). */
  busNamespace?: string;
  /** How often metrics snapshots are shared (see `SwitchboardOptions.metricsIntervalMs`). */
  metricsIntervalMs?: number;
}

/** A running test server. */
export interface TestServer extends AsyncDisposable {
  origin: string;
  wsUrl: string;
  port: number;
  services: Services;
  switchboard: Switchboard;
  kvPath: string;
  /** The KV database the server stores in. */
  kv: Deno.Kv;
  close(): Promise<void>;
  /**
   * Stops as a killed process would, for the others' sake: no goodbye to the
   * cluster, no more listening; its sockets are closed.
   */
  kill(): Promise<void>;
}

/** Starts a server; `close()` (or `await using`) stops it and removes its temp dir. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.kvPath ? null : await Deno.makeTempDir({ prefix: "sb-test-" });
  const kvPath = options.kvPath ?? `${dir}/switchboard.kv`;
  await options.seed?.(kvPath);
  const env = {
    KV_PATH: kvPath,
    JWT_SECRETS: TEST_SECRET,
    LOG_LEVEL: "error",
    // `WS_ENGINE=own deno task test` runs every test server on the other WebSocket engine.
    ...(Deno.env.get("WS_ENGINE") ? { WS_ENGINE: Deno.env.get("WS_ENGINE")! } : {}),
    ...options.env,
  };
  const switchboard = await createSwitchboard({
    env,
    clock: options.clock,
    kv: options.kv,
    log: options.log,
    busNamespace: options.busNamespace,
    metricsIntervalMs: options.metricsIntervalMs,
  });
  const { config } = switchboard.services;
  const server = await serveGuarded(switchboard.handler, {
    hostname: "127.0.0.1",
    port: 0,
    maxConnections: 10_000,
    ...connectionGuards(config),
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await switchboard.close();
    server.close();
    if (dir) await Deno.remove(dir, { recursive: true });
  };
  const kill = async () => {
    if (closed) return;
    closed = true;
    server.close();
    await switchboard.abandon();
    if (dir) await Deno.remove(dir, { recursive: true });
  };
  return {
    origin,
    wsUrl: `ws://127.0.0.1:${server.addr.port}/api/ws`,
    port: server.addr.port,
    services: switchboard.services,
    switchboard,
    kvPath,
    get kv() {
      const { kv } = switchboard.services;
      if (!kv) throw new Error("this server stores in PostgreSQL (DATABASE_URL), not in KV");
      return kv;
    },
    close,
    kill,
    [Symbol.asyncDispose]: close,
  };
}

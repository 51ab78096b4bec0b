/**
 * Everything the server runs on, built once at start from the config: the
 * logger, JWT signing, the account endpoints, the hub and the WebSocket route.
 * `server.ts` puts the result in every request's state.
 *
 * @example
 * ```ts
 * const config = loadConfig(Deno.env.toObject());
 * const kv = await Deno.openKv(config.kvPath);
 * const services = await createServices(config, { kv });
 * app.ws("/api/ws", services.socketRoute);
 * Deno.addSignalListener("SIGTERM", () => services.drain().then(() => Deno.exit(0)));
 * ```
 */
import type { WsHandlers } from "../framework/ws.ts";
import { type Clock, createSystemClock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import type { ConfigResponse } from "../protocol/http.ts";
import { FEATURES, PROTOCOL, VERSIONS } from "../protocol/version.ts";
import type { Config } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { resolveJwtSecrets } from "./secrets.ts";
import { createTokenIssuer, type TokenIssuer } from "./tokens.ts";
import { type Auth, createAuth } from "./auth.ts";
import { createHub, type Hub } from "./hub.ts";
import { createRoomLayer, type RoomService } from "./rooms/mod.ts";
import { createSocketRoute, type SocketData } from "./socket_route.ts";

/** The running server's parts. */
export interface Services {
  config: Config;
  kv: Deno.Kv;
  clock: Clock;
  random: Random;
  /** This isolate's id, as in `hello.instance`. */
  instance: string;
  log: Logger;
  tokens: TokenIssuer;
  auth: Auth;
  hub: Hub;
  /** Rooms: the durable log, fan-out, presence and typing. */
  rooms: RoomService;
  /** The handlers for `app.ws("/api/ws", …)`. */
  socketRoute: WsHandlers<unknown, SocketData>;
  /** The body of `GET /api/config`. */
  publicConfig(): ConfigResponse;
  /** Stops accepting, sends `reconnect` to every client, closes them with 1012. */
  drain(): Promise<void>;
  /** Stops every timer and closes every socket; the caller closes the KV it opened. */
  close(): Promise<void>;
}

/** Dependencies of {@linkcode createServices}; all but `kv` have defaults. */
export interface ServicesOptions {
  kv: Deno.Kv;
  clock?: Clock;
  random?: Random;
  instance?: string;
  log?: Logger;
  /**
   * Isolates with the same bus namespace share fan-out and presence over
   * BroadcastChannel. Default: derived from `KV_PATH`, so instances on one
   * database find each other and unrelated ones (tests in one process) do not.
   */
  busNamespace?: string;
}

/** Builds the {@linkcode Services}. */
export async function createServices(
  config: Config,
  options: ServicesOptions,
): Promise<Services> {
  const { kv } = options;
  const clock = options.clock ?? createSystemClock();
  const random = options.random ?? Math.random;
  const instance = options.instance ?? crypto.randomUUID().slice(0, 8);
  const log = options.log ?? createLogger({ level: config.logLevel, clock });
  const secrets = await resolveJwtSecrets(config.jwtSecrets, kv, log);
  const tokens = await createTokenIssuer({ secrets, ttlS: config.accessTokenTtlS, clock });
  const auth = createAuth({ config, kv, clock, log, tokens });
  const roomLayer = createRoomLayer({
    kv,
    clock,
    config,
    namespace: options.busNamespace ?? await busNamespaceFor(config.kvPath),
    isolate: instance,
    onError: (error) => log.error("rooms.error", { error: String(error) }),
  });
  const rooms = roomLayer.service;
  const hub = createHub({ config, clock, random, log, instance, rooms, tokens });
  const socketRoute = createSocketRoute({ config, hub, tokens, log });

  return {
    config,
    kv,
    clock,
    random,
    instance,
    log,
    tokens,
    auth,
    hub,
    rooms,
    socketRoute,
    publicConfig: () => ({
      protocol: PROTOCOL,
      versions: [...VERSIONS],
      endpoints: { ws: "/api/ws", events: "/api/events", send: "/api/send" },
      heartbeat_ms: config.heartbeatMs,
      limits: {
        max_frame_bytes: config.maxFrameBytes,
        max_text_chars: config.maxTextChars,
        rate: { burst: config.rateBurst, per_second: config.ratePerSecond },
        max_connections_per_user: config.maxConnectionsPerUser,
      },
      features: [...FEATURES],
    }),
    drain: () => hub.drain(),
    async close() {
      await hub.close();
      await roomLayer.close();
    },
  };
}

/** `switchboard-<hash of the KV path>`: one namespace per database. */
async function busNamespaceFor(kvPath: string): Promise<string> {
  const bytes = new TextEncoder().encode(kvPath === ":memory:" ? crypto.randomUUID() : kvPath);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
  return `switchboard-${hex}`;
}

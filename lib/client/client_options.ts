/**
 * The options of the chat client and the defaults that fill them in: where the
 * server's endpoints are, which clock, backoff, storage and page events to use,
 * and the timings of the connection.
 *
 * @example
 * ```ts
 * const settings = resolveClientOptions({ origin: "https://chat.example" });
 * settings.urls.ws; // "wss://chat.example/api/ws"
 * ```
 */
import { type Clock, createSystemClock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { type BackoffPreset, type BackoffStrategy, createBackoff } from "./backoff.ts";
import { createHttpTransport } from "./http_transport.ts";
import { createDefaultOutboxStore, type OutboxStore } from "./outbox_store.ts";
import { createBrowserPageEvents, type PageEvents } from "./page_events.ts";
import { createTokenSource } from "./token.ts";
import type { TransportFactory } from "./transport.ts";
import { createWebSocketTransport, type WebSocketFactory } from "./websocket_transport.ts";

/** Options of `createChatClient`; every one has a default. */
export interface ChatClientOptions {
  /** The server's origin. Default `location.origin`; required outside a page. */
  origin?: string;
  /** Default `ws(s)://<origin>/api/ws`. */
  wsUrl?: string;
  /** Default `<origin>/api/events`. */
  eventsUrl?: string;
  /** Default `<origin>/api/send`. */
  sendUrl?: string;
  /** Default `<origin>/api/token`. */
  tokenUrl?: string;
  /** A valid access token. Default: the last one from `refreshToken` while valid. */
  getToken?: () => Promise<string>;
  /**
   * A new access token; reject with an `AuthError` (`token.ts`) when the user must log
   * in again. Default: `POST /api/token` with the refresh cookie.
   */
  refreshToken?: () => Promise<string>;
  /** Default the system clock. */
  clock?: Clock;
  /** Jitter source. Default `Math.random`. */
  random?: Random;
  /** A strategy or a preset name. Default `"default"`: 1, 2, 4, 8, 12 s ±20 %, 8 attempts. */
  backoff?: BackoffStrategy | BackoffPreset;
  /** Default `new WebSocket(url, protocols)`. */
  createWebSocket?: WebSocketFactory;
  /** Used by the HTTP transport and the default token source. Default `fetch`. */
  fetch?: typeof fetch;
  /** Default IndexedDB, else `localStorage` in a page, else memory. */
  outboxStore?: OutboxStore;
  /** Remembers fallback mode across reloads. Default `localStorage` in a page, else none. */
  storage?: Storage | null;
  /** Default: the window's `online`/`offline` and the document's visibility. */
  pageEvents?: PageEvents;
  /** Transition lines. Default `console.info`. */
  log?: (line: string) => void;
  /** Time allowed from the start of an attempt to `hello`. Default 10 000. */
  connectTimeoutMs?: number;
  /** Silence allowed past `heartbeat_ms` before the connection counts as dead. Default 5 000. */
  heartbeatGraceMs?: number;
  /** How often the client pings to measure latency. Default 10 000. */
  pingIntervalMs?: number;
  /** Round trips above this (or pongs later than this) make the state `degraded`. Default 1 500. */
  slowRttMs?: number;
  /** The wait after close 4409 (too many connections). Default 60 000. */
  longDelayMs?: number;
  /** WebSockets opened and dead before `hello`, in a row, that switch to fallback. Default 3. */
  fallbackAfterHandshakeFailures?: number;
  /** How long fallback mode is remembered. Default 30 minutes. */
  fallbackMemoryMs?: number;
  /** How often the WebSocket is probed while in fallback. Default 60 000. */
  probeIntervalMs?: number;
  /** Transmissions of a send without an ack before it fails. Default 5. */
  maxSendTries?: number;
  /** Attempts kept in `attempts`. Default 20. */
  attemptsKept?: number;
  /** How long "X is typing" shows. Default 6 000. */
  typingTtlMs?: number;
}

/** {@linkcode ChatClientOptions} with every default filled in. */
export interface ClientSettings {
  clock: Clock;
  backoff: BackoffStrategy;
  log: (line: string) => void;
  storage: Storage | null;
  pageEvents: PageEvents;
  outboxStore: OutboxStore;
  getToken: () => Promise<string>;
  refreshToken: () => Promise<string>;
  openWebSocket: TransportFactory;
  openHttp: TransportFactory;
  connectTimeoutMs: number;
  heartbeatGraceMs?: number;
  pingIntervalMs?: number;
  slowRttMs?: number;
  longDelayMs: number;
  fallbackAfterHandshakeFailures: number;
  fallbackMemoryMs: number;
  probeIntervalMs: number;
  maxSendTries?: number;
  attemptsKept: number;
  typingTtlMs: number;
}

function pageStorage(): Storage | null {
  return typeof document !== "undefined" && typeof localStorage !== "undefined"
    ? localStorage
    : null;
}

function resolveUrls(options: ChatClientOptions) {
  const origin = options.origin ?? globalThis.location?.origin;
  const at = (path: string, given: string | undefined): string => {
    if (given) return given;
    if (!origin) {
      throw new TypeError(`createChatClient: pass \`origin\` (or ${path}) outside a page`);
    }
    return new URL(path, origin).href;
  };
  return {
    ws: options.wsUrl ?? at("/api/ws", undefined).replace(/^http/, "ws"),
    events: at("/api/events", options.eventsUrl),
    send: at("/api/send", options.sendUrl),
    token: at("/api/token", options.tokenUrl),
  };
}

/**
 * Fills in the defaults of `options`; throws a `TypeError` when the server's
 * address cannot be known (no `origin` outside a page).
 *
 * @example
 * ```ts
 * const { clock, backoff } = resolveClientOptions({ origin: "http://localhost:8000" });
 * ```
 */
export function resolveClientOptions(options: ChatClientOptions): ClientSettings {
  const urls = resolveUrls(options);
  const clock = options.clock ?? createSystemClock();
  const tokens = createTokenSource({ url: urls.token, clock, fetch: options.fetch });
  return {
    clock,
    backoff: typeof options.backoff === "object"
      ? options.backoff
      : createBackoff({ preset: options.backoff ?? "default", random: options.random }),
    log: options.log ?? ((line: string) => console.info(line)),
    storage: options.storage === undefined ? pageStorage() : options.storage,
    pageEvents: options.pageEvents ?? createBrowserPageEvents(),
    outboxStore: options.outboxStore ?? createDefaultOutboxStore(),
    getToken: options.getToken ?? tokens.getToken,
    refreshToken: options.refreshToken ?? tokens.refreshToken,
    openWebSocket: createWebSocketTransport({
      url: urls.ws,
      createWebSocket: options.createWebSocket,
    }),
    openHttp: createHttpTransport({
      eventsUrl: urls.events,
      sendUrl: urls.send,
      fetch: options.fetch,
    }),
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    heartbeatGraceMs: options.heartbeatGraceMs,
    pingIntervalMs: options.pingIntervalMs,
    slowRttMs: options.slowRttMs,
    longDelayMs: options.longDelayMs ?? 60_000,
    fallbackAfterHandshakeFailures: options.fallbackAfterHandshakeFailures ?? 3,
    fallbackMemoryMs: options.fallbackMemoryMs ?? 30 * 60_000,
    probeIntervalMs: options.probeIntervalMs ?? 60_000,
    maxSendTries: options.maxSendTries,
    attemptsKept: options.attemptsKept ?? 20,
    typingTtlMs: options.typingTtlMs ?? 6_000,
  };
}

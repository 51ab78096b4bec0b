/**
 * The Switchboard client: one reconnecting connection to the server, kept in
 * signals so that a UI only renders them and calls the methods.
 *
 * ## States
 *
 * | state | meaning |
 * | --- | --- |
 * | `idle` | created, `connect()` not called yet |
 * | `connecting` | getting a token, opening the transport, waiting for `hello` |
 * | `open` | `hello` arrived over the WebSocket |
 * | `degraded` | open, but round trips are slower than `slowRttMs` or the server's ping is late |
 * | `reconnecting` | the connection ended; `nextRetryAt` says when the next attempt starts (null while offline) |
 * | `fallback` | `hello` arrived over the HTTP fallback transport |
 * | `failed` | stopped: 4400, 4403 or signed out; `lastError` says why; `connect()` tries again |
 * | `closed` | `disconnect()` was called, or the server closed with 1000 |
 *
 * A connection counts as established only when `hello` arrives: a socket that
 * opens and dies before it is a failed attempt (cause `handshake`).
 *
 * ## What happens when a connection ends
 *
 * The close code decides (see `close_policy.ts`): 4401 gets a fresh token and
 * reconnects at once; 4400/4403 fail; 4409 waits `longDelayMs`; a `reconnect`
 * frame waits its `after_ms`; everything else waits out the backoff. After
 * `backoff.maxAttempts` failed WebSocket attempts in a row, or after
 * `fallbackAfterHandshakeFailures` WebSockets that opened and died before
 * `hello`, the client switches to the HTTP transport, remembers that for
 * `fallbackMemoryMs` (in `storage`), and probes the WebSocket every
 * `probeIntervalMs`; when a probe gets its `hello` it moves back. Running out of
 * attempts over HTTP tries the WebSocket again. `offline` pauses attempts;
 * `online` and the page becoming visible start one at once.
 *
 * ## Sending
 *
 * `send()` puts the message in the outbox (persisted) and transmits it when
 * the room is joined; it shows in the room's `messages` as `pending` until the
 * `ack`, then as `sent` with its seq. After every reconnect and after a reload,
 * each joined room's pending sends go out again in order, after its `joined`.
 * Rooms with pending sends are joined automatically.
 *
 * @example
 * ```ts
 * const client = createChatClient({ origin: "https://chat.example" });
 * client.connect();
 * client.join("general");
 * client.send("general", "hello");
 * effect(() => console.log(client.state.value, client.room("general")?.messages.value));
 * ```
 */
import { batch, computed, type ReadonlySignal, type Signal, signal } from "@preact/signals";
import {
  type ClientFrame,
  type Limits,
  type Message,
  type PublicUser,
  RoomName,
  type ServerFrame,
  type ServerFrameOf,
  type SessionUser,
  type StatusResponse,
} from "../protocol/mod.ts";
import { type Clock, createSystemClock, type TimerId } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { type BackoffPreset, type BackoffStrategy, createBackoff } from "./backoff.ts";
import { classifyClose, type CloseAction, decideClose } from "./close_policy.ts";
import { createHttpTransport } from "./http_transport.ts";
import { createOutbox } from "./outbox.ts";
import { createDefaultOutboxStore, type OutboxEntry, type OutboxStore } from "./outbox_store.ts";
import { createBrowserPageEvents, type PageEvent, type PageEvents } from "./page_events.ts";
import { createRoomState, type RoomState } from "./room_state.ts";
import {
  type Attempt,
  type AttemptCause,
  type ConnectionState,
  createAttemptLog,
  createStateMachine,
  type Transition,
} from "./states.ts";
import { AuthError, createTokenSource } from "./token.ts";
import type { Transport, TransportClose, TransportKind } from "./transport.ts";
import { createWatchdog, type LatencySample, type Quality } from "./watchdog.ts";
import { createWebSocketTransport, type WebSocketFactory } from "./websocket_transport.ts";

/** Options of {@linkcode createChatClient}; every one has a default. */
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
   * A new access token; reject with {@linkcode AuthError} when the user must log
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

/** A message as a room shows it: committed (`sent`) or from the outbox. */
export interface RoomMessage {
  /** Null until the server acked it. */
  seq: number | null;
  cid: string;
  /** Null for your own pending sends before `hello` said who you are. */
  user: PublicUser | null;
  text: string;
  ts: number;
  status: "pending" | "sent" | "failed";
  /** Why a `failed` message failed. */
  error: string | null;
  own: boolean;
}

/** The signals of one joined room. */
export interface RoomView {
  readonly name: string;
  /** True once the room's first `joined` arrived: from then on `messages` is the room as it is. */
  readonly synced: ReadonlySignal<boolean>;
  /** Committed messages by seq, then your pending and failed sends in send order. */
  readonly messages: ReadonlySignal<readonly RoomMessage[]>;
  readonly presence: ReadonlySignal<readonly PublicUser[]>;
  readonly typing: ReadonlySignal<readonly PublicUser[]>;
  readonly hasOlder: ReadonlySignal<boolean>;
  readonly loadingOlder: ReadonlySignal<boolean>;
}

/** Frames counted by `type`. */
export type FrameCounts = Readonly<Record<string, number>>;

/** The client returned by {@linkcode createChatClient}. */
export interface ChatClient {
  readonly state: ReadonlySignal<ConnectionState>;
  /** The transport of the current or next attempt. */
  readonly transport: ReadonlySignal<TransportKind>;
  /** The running attempt's number in its run of failures; 0 when connected. */
  readonly attempt: ReadonlySignal<number>;
  /** When the next attempt starts (epoch ms); null unless waiting. */
  readonly nextRetryAt: ReadonlySignal<number | null>;
  readonly latencyMs: ReadonlySignal<number | null>;
  readonly latencyHistory: ReadonlySignal<readonly LatencySample[]>;
  readonly quality: ReadonlySignal<Quality>;
  readonly online: ReadonlySignal<boolean>;
  readonly outbox: ReadonlySignal<readonly OutboxEntry[]>;
  readonly outboxSize: ReadonlySignal<number>;
  readonly lastError: ReadonlySignal<string | null>;
  /** The server refused to issue a token: the user has to log in (again). */
  readonly signedOut: ReadonlySignal<boolean>;
  /** Who the server says you are, from `hello`. */
  readonly user: ReadonlySignal<SessionUser | null>;
  /**
   * The latest `status` frame's summary while subscribed (`subscribeStatus`):
   * the admin detail for role `admin`, else the public summary; null when not subscribed.
   */
  readonly status: ReadonlySignal<StatusResponse | null>;
  readonly limits: ReadonlySignal<Limits | null>;
  /** Until when fallback mode is remembered; null when not in it. */
  readonly fallbackUntil: ReadonlySignal<number | null>;
  readonly attempts: ReadonlySignal<readonly Attempt[]>;
  readonly transitions: ReadonlySignal<readonly Transition[]>;
  readonly framesIn: ReadonlySignal<FrameCounts>;
  readonly framesOut: ReadonlySignal<FrameCounts>;
  /** Joined rooms, in join order. */
  readonly rooms: ReadonlySignal<readonly string[]>;
  /** The view of a joined room. */
  room(name: string): RoomView | undefined;
  /** Starts connecting from `idle`, `closed` or `failed`. */
  connect(): void;
  /** Closes the connection and stops reconnecting (`closed`). */
  disconnect(): void;
  /** Skips the wait, or replaces the current connection with a new one. */
  reconnectNow(): void;
  /** Queues a message; throws a `TypeError` (changing nothing) on a bad room or text. */
  send(room: string, text: string): OutboxEntry;
  /** Sends a `failed` message again. */
  retry(cid: string): void;
  /** Drops a message from the outbox. */
  discard(cid: string): void;
  /** Joins a room (again after each reconnect, with `since`); throws a `TypeError` on a bad name. */
  join(room: string): void;
  leave(room: string): void;
  /** Asks for the page of messages before the oldest held. */
  loadOlder(room: string, limit?: number): void;
  /** Tells the room you are typing (at most every 3 s). */
  typing(room: string): void;
  /** Measures the round trip now. */
  ping(): void;
  /**
   * Asks the server for `status` frames (a protocol extension), now and after
   * every reconnect, until every returned function has been called.
   */
  subscribeStatus(): () => void;
  /** Switches to the HTTP transport now and remembers it. */
  forceFallback(): void;
  /** Disconnects and stops listening to page events and timers. */
  dispose(): void;
}

const FALLBACK_KEY = "switchboard.fallback_until";
const TYPING_THROTTLE_MS = 3_000;
const OLDER_PAGE = 50;

/** The connection currently tried or held. */
interface Connection {
  kind: TransportKind;
  /** Null while the token is fetched. */
  transport: Transport | null;
  opened: boolean;
  ready: boolean;
  connectTimer: TimerId | null;
}

/** What to do after a connection ended: the close policy, or start again at once. */
type NextMove = CloseAction | { kind: "now" };

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

function increment(counts: { value: FrameCounts }, type: string) {
  const current = counts.value;
  counts.value = { ...current, [type]: (current[type] ?? 0) + 1 };
}

/**
 * Creates a {@linkcode ChatClient} in `idle`; call `connect()` to start.
 *
 * @example
 * ```ts
 * const client = createChatClient({ origin: "https://chat.example", backoff: "aggressive" });
 * client.connect();
 * ```
 */
export function createChatClient(options: ChatClientOptions = {}): ChatClient {
  const urls = resolveUrls(options);
  const clock = options.clock ?? createSystemClock();
  const backoff = typeof options.backoff === "object"
    ? options.backoff
    : createBackoff({ preset: options.backoff ?? "default", random: options.random });
  const log = options.log ?? ((line: string) => console.info(line));
  const storage = options.storage === undefined ? pageStorage() : options.storage;
  const pageEvents = options.pageEvents ?? createBrowserPageEvents();
  const tokens = createTokenSource({ url: urls.token, clock, fetch: options.fetch });
  const getToken = options.getToken ?? tokens.getToken;
  const refreshToken = options.refreshToken ?? tokens.refreshToken;
  const openWebSocket = createWebSocketTransport({
    url: urls.ws,
    createWebSocket: options.createWebSocket,
  });
  const openHttp = createHttpTransport({
    eventsUrl: urls.events,
    sendUrl: urls.send,
    fetch: options.fetch,
  });
  const {
    connectTimeoutMs = 10_000,
    longDelayMs = 60_000,
    fallbackAfterHandshakeFailures = 3,
    fallbackMemoryMs = 30 * 60_000,
    probeIntervalMs = 60_000,
    typingTtlMs = 6_000,
  } = options;

  const machine = createStateMachine({ clock, log });
  const attemptLog = createAttemptLog(clock, options.attemptsKept ?? 20);
  const outbox = createOutbox({
    store: options.outboxStore ?? createDefaultOutboxStore(),
    clock,
    maxTries: options.maxSendTries,
    onError: (error) => log(`switchboard: outbox store failed: ${error}`),
  });
  const watchdog = createWatchdog({
    clock,
    send: (frame) => sendFrame(frame),
    onDead: () => {
      if (conn) drop(conn, { code: 4408, reason: "no frame from the server in time" });
    },
    onHealthChange: (healthy) => {
      if (conn?.ready && conn.kind === "websocket") {
        machine.transition(
          healthy ? "open" : "degraded",
          healthy ? "heartbeat healthy" : "slow or late heartbeat",
        );
      }
    },
    graceMs: options.heartbeatGraceMs,
    pingIntervalMs: options.pingIntervalMs,
    slowRttMs: options.slowRttMs,
  });

  const transportKind = signal<TransportKind>("websocket");
  const attempt = signal(0);
  const nextRetryAt = signal<number | null>(null);
  const online = signal(pageEvents.isOnline());
  const lastError = signal<string | null>(null);
  const signedOut = signal(false);
  const user = signal<SessionUser | null>(null);
  const status = signal<StatusResponse | null>(null);
  const limits = signal<Limits | null>(null);
  const fallbackUntil = signal<number | null>(null);
  const framesIn = signal<FrameCounts>({});
  const framesOut = signal<FrameCounts>({});
  const rooms = signal<readonly string[]>([]);
  const roomStates = new Map<string, RoomState>();
  const roomViews = new Map<string, RoomView>();
  const loadingOlder = new Map<string, Signal<boolean>>();
  const synced = new Map<string, Signal<boolean>>();

  let conn: Connection | null = null;
  /** Bumped whenever pending async work (a token fetch, a refresh) must be forgotten. */
  let generation = 0;
  let failures = 0;
  let handshakeFailures = 0;
  let refreshedAfter4401 = false;
  let retryTimer: TimerId | null = null;
  let probeTimer: TimerId | null = null;
  let probe: { transport: Transport | null; timeout: TimerId } | null = null;
  const joined = new Set<string>();
  const requestedGaps = new Map<string, number>();
  const resendTimers = new Map<string, TimerId>();
  const lastTypingSent = new Map<string, number>();
  let statusSubscribers = 0;

  // ---- fallback memory ------------------------------------------------------

  const storedFallback = Number(storage?.getItem(FALLBACK_KEY));
  if (storedFallback > clock.now()) fallbackUntil.value = storedFallback;

  const fallbackActive = () => {
    const until = fallbackUntil.peek();
    if (until !== null && until <= clock.now()) leaveFallback("fallback memory expired");
    return fallbackUntil.peek() !== null;
  };

  function enterFallback(reason: string) {
    const until = clock.now() + fallbackMemoryMs;
    fallbackUntil.value = until;
    storage?.setItem(FALLBACK_KEY, String(until));
    log(`switchboard: using the HTTP fallback: ${reason}`);
  }

  function leaveFallback(reason: string) {
    fallbackUntil.value = null;
    storage?.removeItem(FALLBACK_KEY);
    log(`switchboard: back to WebSocket: ${reason}`);
  }

  // ---- sending --------------------------------------------------------------

  function sendFrame(frame: ClientFrame): boolean {
    if (!conn?.ready || !conn.transport) return false;
    conn.transport.send(frame);
    increment(framesOut, frame.type);
    return true;
  }

  function transmit(cid: string) {
    const entry = outbox.get(cid);
    if (!entry || !conn?.ready || !joined.has(entry.room)) return;
    if (!outbox.beginSend(cid)) return;
    sendFrame({ type: "send", room: entry.room, text: entry.text, cid, ref: cid });
  }

  function sendJoin(room: string) {
    const since = roomStates.get(room)?.lastContiguousSeq() ?? null;
    sendFrame(since === null ? { type: "join", room } : { type: "join", room, since });
  }

  function requestGap(room: string) {
    const gap = roomStates.get(room)?.nextGap();
    if (!gap || requestedGaps.get(room) === gap.before) return;
    requestedGaps.set(room, gap.before);
    sendFrame({ type: "history", room, before: gap.before, limit: gap.limit, ref: `gap:${room}` });
  }

  // ---- connection lifecycle -----------------------------------------------

  function cancelRetry() {
    generation++;
    if (retryTimer !== null) clock.clearTimeout(retryTimer);
    retryTimer = null;
    nextRetryAt.value = null;
  }

  function scheduleRetry(delayMs: number) {
    cancelRetry();
    attemptLog.retryIn(delayMs);
    if (!online.peek()) {
      log("switchboard: offline, waiting for the network");
      return;
    }
    nextRetryAt.value = clock.now() + delayMs;
    retryTimer = clock.setTimeout(() => {
      retryTimer = null;
      void startAttempt("retry");
    }, delayMs);
  }

  /** Starts an attempt; `freshToken` (just refreshed) is used instead of asking `getToken`. */
  async function startAttempt(reason: string, freshToken?: string) {
    cancelRetry();
    const myGeneration = generation;
    const kind: TransportKind = fallbackActive() ? "http" : "websocket";
    const connection: Connection = {
      kind,
      transport: null,
      opened: false,
      ready: false,
      connectTimer: null,
    };
    conn = connection;
    batch(() => {
      attempt.value = failures + 1;
      transportKind.value = kind;
      machine.transition("connecting", reason);
    });
    attemptLog.start(failures + 1, kind);
    connection.connectTimer = clock.setTimeout(
      () => drop(connection, { code: 4408, reason: `no hello within ${connectTimeoutMs} ms` }),
      connectTimeoutMs,
    );

    let token: string;
    try {
      [token] = await Promise.all([freshToken ?? getToken(), outbox.ready]);
    } catch (error) {
      if (conn !== connection || generation !== myGeneration) return;
      if (error instanceof AuthError) {
        signedOut.value = true;
        return stop(connection, "auth", error.message);
      }
      return end(connection, { code: 1006, reason: `no token: ${(error as Error).message}` });
    }
    if (conn !== connection || generation !== myGeneration) return;
    try {
      connection.transport = (kind === "http" ? openHttp : openWebSocket)(token, {
        onOpen: () => (connection.opened = true),
        onFrame: (frame) => receive(connection, frame),
        onInvalidFrame: (error) => {
          increment(framesIn, "invalid");
          log(`switchboard: dropped an invalid frame: ${error.message}`);
        },
        onClose: (close) => end(connection, close),
      });
    } catch (error) {
      stop(
        connection,
        "handshake",
        `cannot open the ${kind} transport: ${(error as Error).message}`,
      );
    }
  }

  /** Forgets the connection and everything tied to it. */
  function detach(connection: Connection) {
    if (connection.connectTimer !== null) clock.clearTimeout(connection.connectTimer);
    if (conn === connection) conn = null;
    watchdog.stop();
    stopProbe();
    joined.clear();
    requestedGaps.clear();
    for (const timer of resendTimers.values()) clock.clearTimeout(timer);
    resendTimers.clear();
  }

  /** Ends an attempt for good: `failed`. */
  function stop(connection: Connection, cause: AttemptCause, reason: string) {
    detach(connection);
    connection.transport?.close(1000, reason);
    attemptLog.end(cause, null, reason);
    lastError.value = reason;
    machine.transition("failed", reason);
  }

  /** Closes the connection from this side, then handles it like any end. */
  function drop(connection: Connection, close: TransportClose, move?: NextMove) {
    if (conn !== connection) return;
    connection.transport?.close(1000, close.reason);
    end(connection, close, move);
  }

  function end(connection: Connection, close: TransportClose, move?: NextMove) {
    if (conn !== connection) return;
    detach(connection);
    const cause = move?.kind === "now" ? null : classifyClose(close, connection);
    attemptLog.end(cause, close.code, close.reason);
    if (connection.kind === "websocket" && connection.opened && !connection.ready) {
      handshakeFailures++;
    }
    if (cause) lastError.value = `${cause}: ${close.reason || "connection closed"} (${close.code})`;
    next(connection, move ?? decideClose(close, { longDelayMs }), close.reason);
  }

  function next(connection: Connection, move: NextMove, reason: string) {
    if (move.kind === "stop") return void machine.transition("closed", `server closed: ${reason}`);
    if (move.kind === "fail") return void machine.transition("failed", reason);
    machine.transition("reconnecting", reason || "connection closed");
    if (move.kind === "now") {
      failures = 0;
      return void startAttempt(reason);
    }
    failures++;
    if (move.kind === "delay") return scheduleRetry(move.ms);
    if (move.kind === "refresh_token" && !refreshedAfter4401) {
      refreshedAfter4401 = true;
      return refreshThenConnect();
    }
    const exhausted = failures >= backoff.maxAttempts;
    if (
      connection.kind === "websocket" &&
      (exhausted || handshakeFailures >= fallbackAfterHandshakeFailures)
    ) {
      enterFallback(exhausted ? `${failures} attempts failed` : "WebSockets die before hello");
      failures = 0;
      return void startAttempt("switching to the HTTP fallback");
    }
    if (connection.kind === "http" && exhausted) {
      leaveFallback(`${failures} HTTP attempts failed`);
      failures = 0;
      return void startAttempt("switching back to WebSocket");
    }
    scheduleRetry(backoff.delay(failures));
  }

  function refreshThenConnect() {
    cancelRetry();
    const myGeneration = generation;
    refreshToken().then(
      (token) => {
        if (generation === myGeneration) void startAttempt("token refreshed", token);
      },
      (error: Error) => {
        if (generation !== myGeneration) return;
        lastError.value = error.message;
        if (error instanceof AuthError) {
          signedOut.value = true;
          machine.transition("failed", error.message);
        } else scheduleRetry(backoff.delay(failures));
      },
    );
  }

  // ---- frames -----------------------------------------------------------------

  function receive(connection: Connection, frame: ServerFrame) {
    if (conn !== connection) return;
    increment(framesIn, frame.type);
    if (frame.type === "hello") return welcome(connection, frame);
    if (!connection.ready) return;
    watchdog.frameReceived();
    const room = "room" in frame ? roomStates.get(frame.room) : undefined;
    switch (frame.type) {
      case "joined":
        if (!room) return;
        room.applyJoined(frame);
        joined.add(frame.room);
        synced.get(frame.room)!.value = true;
        for (const entry of outbox.pendingIn(frame.room)) transmit(entry.cid);
        return requestGap(frame.room);
      case "left":
        return void joined.delete(frame.room);
      case "message": {
        const { type: _type, ...message } = frame;
        if (message.user.id === user.peek()?.id) outbox.ack(message.cid);
        room?.applyMessages([message]);
        return requestGap(frame.room);
      }
      case "ack":
        return acknowledge(frame, room);
      case "history":
        room?.applyHistory(frame, frame.ref === `older:${frame.room}`);
        if (frame.ref === `older:${frame.room}`) loadingOlder.get(frame.room)!.value = false;
        if (frame.ref === `gap:${frame.room}`) requestedGaps.delete(frame.room);
        return requestGap(frame.room);
      case "presence":
        return room?.applyPresence(frame);
      case "typing":
        return room?.applyTyping(frame.user);
      case "ping":
        return watchdog.serverPing(frame.t);
      case "pong":
        return watchdog.pongReceived(frame.t);
      case "error":
        return handleError(frame);
      case "auth_ok":
        return;
      case "status":
        return void (status.value = frame.summary);
      case "token_expiring":
        return renewToken(connection);
      case "reconnect":
        return drop(connection, { code: 1012, reason: `server draining: ${frame.reason}` }, {
          kind: "delay",
          ms: frame.after_ms,
        });
    }
  }

  function welcome(connection: Connection, hello: ServerFrameOf<"hello">) {
    if (connection.ready) return;
    connection.ready = true;
    if (connection.connectTimer !== null) clock.clearTimeout(connection.connectTimer);
    connection.connectTimer = null;
    failures = 0;
    refreshedAfter4401 = false;
    if (connection.kind === "websocket") handshakeFailures = 0;
    batch(() => {
      user.value = hello.user;
      limits.value = hello.limits;
      attempt.value = 0;
      lastError.value = null;
      machine.transition(
        connection.kind === "http" ? "fallback" : "open",
        `hello (${hello.instance})`,
      );
    });
    attemptLog.ready();
    watchdog.start(hello.heartbeat_ms);
    for (const room of outbox.pendingRooms()) addRoom(room);
    for (const room of rooms.peek()) sendJoin(room);
    if (statusSubscribers > 0) sendFrame({ type: "subscribe_status" });
    if (connection.kind === "http") scheduleProbe();
  }

  function acknowledge(frame: ServerFrameOf<"ack">, room: RoomState | undefined) {
    const entry = outbox.ack(frame.cid);
    const me = user.peek();
    if (!entry || !room || !me) return;
    // Shown as sent right away; the broadcast of the same seq replaces it.
    const message: Message = {
      room: frame.room,
      seq: frame.seq,
      id: "",
      cid: frame.cid,
      user: { id: me.id, name: me.name },
      text: entry.text,
      ts: frame.ts,
    };
    room.applyMessages([message]);
  }

  function handleError(frame: ServerFrameOf<"error">) {
    const entry = frame.ref ? outbox.get(frame.ref) : undefined;
    if (!entry) {
      const olderRoom = frame.ref?.startsWith("older:") ? frame.ref.slice("older:".length) : null;
      const loading = olderRoom === null ? undefined : loadingOlder.get(olderRoom);
      if (loading) loading.value = false;
      lastError.value = `${frame.code}: ${frame.message}`;
      return;
    }
    if (!frame.recoverable) return outbox.fail(entry.cid, frame.message);
    const timer = clock.setTimeout(() => {
      resendTimers.delete(entry.cid);
      transmit(entry.cid);
    }, frame.retry_after_ms ?? 1_000);
    resendTimers.set(entry.cid, timer);
  }

  function renewToken(connection: Connection) {
    refreshToken().then(
      (token) => {
        if (conn !== connection) return;
        connection.transport?.updateToken(token);
        sendFrame({ type: "auth", token });
      },
      (error: Error) => (lastError.value = `token refresh failed: ${error.message}`),
    );
  }

  // ---- fallback probing -------------------------------------------------------

  function scheduleProbe() {
    stopProbe();
    probeTimer = clock.setTimeout(() => {
      probeTimer = null;
      void runProbe();
    }, probeIntervalMs);
  }

  function stopProbe() {
    if (probeTimer !== null) clock.clearTimeout(probeTimer);
    probeTimer = null;
    if (probe) {
      clock.clearTimeout(probe.timeout);
      probe.transport?.close(1000, "probe over");
      probe = null;
    }
  }

  async function runProbe() {
    const fallbackConnection = conn;
    const stillInFallback = () => conn === fallbackConnection && conn?.ready === true;
    const current = {
      transport: null as Transport | null,
      timeout: clock.setTimeout(() => finish(false), connectTimeoutMs),
    };
    probe = current;
    const finish = (worked: boolean) => {
      if (probe !== current) return;
      stopProbe();
      if (!stillInFallback()) return;
      if (!worked) return scheduleProbe();
      log("switchboard: WebSocket probe succeeded");
      leaveFallback("the WebSocket works again");
      drop(fallbackConnection!, { code: 1000, reason: "moving back to WebSocket" }, {
        kind: "now",
      });
    };
    let token: string;
    try {
      token = await getToken();
    } catch {
      return finish(false);
    }
    if (probe !== current) return;
    current.transport = openWebSocket(token, {
      onOpen: () => {},
      onFrame: (frame) => frame.type === "hello" && finish(true),
      onInvalidFrame: () => {},
      onClose: () => finish(false),
    });
  }

  // ---- page events ------------------------------------------------------------

  function onPageEvent(event: PageEvent) {
    if (event === "hidden") return;
    if (event === "offline") {
      online.value = false;
      if (retryTimer !== null) {
        cancelRetry();
        log("switchboard: offline, reconnect paused");
      }
      return;
    }
    if (event === "online") online.value = true;
    if (machine.state.peek() === "reconnecting" && conn === null) {
      void startAttempt(event === "online" ? "back online" : "page visible again");
    } else if (conn?.ready) {
      watchdog.ping();
    }
  }
  const unsubscribePageEvents = pageEvents.subscribe(onPageEvent);

  // ---- rooms ------------------------------------------------------------------

  function addRoom(name: string) {
    if (roomStates.has(name)) return;
    const state = createRoomState(name, { clock, typingTtlMs });
    const loading = signal(false);
    const roomSynced = signal(false);
    roomStates.set(name, state);
    loadingOlder.set(name, loading);
    synced.set(name, roomSynced);
    roomViews.set(name, {
      name,
      synced: roomSynced,
      messages: computed(() => roomMessages(state)),
      presence: state.presence,
      typing: state.typing,
      hasOlder: state.hasOlder,
      loadingOlder: loading,
    });
    rooms.value = [...rooms.peek(), name];
  }

  function roomMessages(state: RoomState): RoomMessage[] {
    const me = user.value;
    const shown: RoomMessage[] = state.messages.value.map((message) => ({
      seq: message.seq,
      cid: message.cid,
      user: message.user,
      text: message.text,
      ts: message.ts,
      status: "sent",
      error: null,
      own: message.user.id === me?.id,
    }));
    const committedOwn = new Set(shown.filter((message) => message.own).map((m) => m.cid));
    for (const entry of outbox.entries.value) {
      if (entry.room !== state.name || committedOwn.has(entry.cid)) continue;
      shown.push({
        seq: null,
        cid: entry.cid,
        user: me && { id: me.id, name: me.name },
        text: entry.text,
        ts: entry.createdAt,
        status: entry.status,
        error: entry.error,
        own: true,
      });
    }
    return shown;
  }

  function checkRoomName(room: string) {
    const parsed = RoomName.safeParse(room);
    if (!parsed.success) throw new TypeError(`bad room name: ${parsed.error.issues[0].message}`);
  }

  // ---- the client -------------------------------------------------------------

  const disconnect = () => {
    cancelRetry();
    const connection = conn;
    if (connection) {
      detach(connection);
      connection.transport?.close(1000, "disconnect()");
      attemptLog.end(null, 1000, "disconnect()");
    }
    stopProbe();
    machine.transition("closed", "disconnect()");
  };

  const connect = () => {
    const state = machine.state.peek();
    if (state !== "idle" && state !== "closed" && state !== "failed") return;
    failures = 0;
    signedOut.value = false;
    void startAttempt("connect()");
  };

  return {
    state: machine.state,
    transport: transportKind,
    attempt,
    nextRetryAt,
    latencyMs: watchdog.latencyMs,
    latencyHistory: watchdog.latencyHistory,
    quality: watchdog.quality,
    online,
    outbox: outbox.entries,
    outboxSize: outbox.size,
    lastError,
    signedOut,
    user,
    status,
    limits,
    fallbackUntil,
    attempts: attemptLog.attempts,
    transitions: machine.transitions,
    framesIn,
    framesOut,
    rooms,
    room: (name) => roomViews.get(name),
    connect,
    disconnect,
    reconnectNow() {
      const state = machine.state.peek();
      if (state === "idle" || state === "closed" || state === "failed") return connect();
      if (conn) return drop(conn, { code: 1000, reason: "reconnect requested" }, { kind: "now" });
      void startAttempt("reconnect requested");
    },
    send(room, text) {
      checkRoomName(room);
      if (!roomStates.has(room)) throw new TypeError(`join "${room}" before sending to it`);
      if (text.trim() === "") throw new TypeError("a message needs some text");
      const max = limits.peek()?.max_text_chars ?? 4_000;
      if (text.length > max) throw new TypeError(`a message has at most ${max} characters`);
      const entry = outbox.add(room, text);
      transmit(entry.cid);
      return entry;
    },
    retry(cid) {
      if (outbox.retry(cid)) transmit(cid);
    },
    discard(cid) {
      outbox.discard(cid);
    },
    join(room) {
      checkRoomName(room);
      if (roomStates.has(room)) return;
      addRoom(room);
      sendJoin(room);
    },
    leave(room) {
      const state = roomStates.get(room);
      if (!state) return;
      state.dispose();
      roomStates.delete(room);
      roomViews.delete(room);
      loadingOlder.delete(room);
      synced.delete(room);
      joined.delete(room);
      rooms.value = rooms.peek().filter((name) => name !== room);
      sendFrame({ type: "leave", room });
    },
    loadOlder(room, limit = OLDER_PAGE) {
      const state = roomStates.get(room);
      const loading = loadingOlder.get(room);
      if (!state || !loading || loading.peek() || !joined.has(room)) return;
      const before = state.oldestSeq();
      const frame: ClientFrame = before === null
        ? { type: "history", room, limit, ref: `older:${room}` }
        : { type: "history", room, before, limit, ref: `older:${room}` };
      if (sendFrame(frame)) loading.value = true;
    },
    typing(room) {
      const last = lastTypingSent.get(room);
      if (!joined.has(room) || (last !== undefined && clock.now() - last < TYPING_THROTTLE_MS)) {
        return;
      }
      if (sendFrame({ type: "typing", room })) lastTypingSent.set(room, clock.now());
    },
    ping: () => watchdog.ping(),
    subscribeStatus() {
      if (statusSubscribers++ === 0) sendFrame({ type: "subscribe_status" });
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        if (--statusSubscribers > 0) return;
        sendFrame({ type: "unsubscribe_status" });
        status.value = null;
      };
    },
    forceFallback() {
      if (!fallbackActive()) enterFallback("forced");
      const state = machine.state.peek();
      if (state === "idle" || state === "closed" || state === "failed") return;
      if (conn?.kind === "http") return;
      if (conn) return drop(conn, { code: 1000, reason: "fallback forced" }, { kind: "now" });
      void startAttempt("fallback forced");
    },
    dispose() {
      disconnect();
      unsubscribePageEvents();
      for (const state of roomStates.values()) state.dispose();
    },
  };
}

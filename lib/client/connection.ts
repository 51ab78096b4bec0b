/**
 * The client's one connection to the server, kept alive: it runs attempts
 * (token, transport, `hello`), drives the state machine, and decides from each
 * end what comes next: the close code (`close_policy.ts`), the switch between
 * WebSocket and HTTP (`fallback_policy.ts`) or the backoff, waited out in
 * `retry_schedule.ts`. It also watches the heartbeat, renews the token, and
 * handles the frames that concern the connection itself (`hello`, `ping`,
 * `pong`, `token_expiring`, `reconnect`); every other frame goes to `onFrame`.
 *
 * A connection counts as established only when `hello` arrives: a socket that
 * opens and dies before it is a failed attempt (cause `handshake`).
 *
 * What a UI sees of it is {@linkcode ConnectionSignals} and what it may ask is
 * {@linkcode ConnectionControls}; the chat client carries both as they are.
 *
 * @example
 * ```ts
 * const connection = createConnection(resolveClientOptions({ origin }), {
 *   ready: outbox.ready,
 *   onReady: () => rejoinRooms(),
 *   onFrame: (frame) => console.log(frame.type),
 *   onDetach: () => forgetJoins(),
 * });
 * connection.controls.connect();
 * connection.send({ type: "join", room: "general" }); // false until `hello`
 * effect(() => console.log(connection.signals.state.value));
 * ```
 */
import { batch, type ReadonlySignal, signal } from "@preact/signals";
import type {
  ClientFrame,
  Limits,
  ServerFrame,
  ServerFrameOf,
  SessionUser,
} from "../protocol/mod.ts";
import type { TimerId } from "../time/clock.ts";
import type { ClientSettings } from "./client_options.ts";
import { classifyClose, type CloseAction, decideClose } from "./close_policy.ts";
import { createFallbackPolicy } from "./fallback_policy.ts";
import { createRetrySchedule } from "./retry_schedule.ts";
import {
  type Attempt,
  type AttemptCause,
  type ConnectionState,
  createAttemptLog,
  createStateMachine,
  type Transition,
} from "./states.ts";
import { AuthError } from "./token.ts";
import type { Transport, TransportClose, TransportKind } from "./transport.ts";
import { createWatchdog, type LatencySample, type Quality } from "./watchdog.ts";

/** Frames counted by `type`. */
export type FrameCounts = Readonly<Record<string, number>>;

/** The frames the connection passes on: all but its own. */
export type ChatFrame = Exclude<
  ServerFrame,
  { type: "hello" | "ping" | "pong" | "token_expiring" | "reconnect" }
>;

/** What the connection needs from the client around it. */
export interface ConnectionHooks {
  /** Awaited, with the token, before a transport opens (the outbox's stored entries). */
  ready: Promise<void>;
  /** `hello` arrived: the connection carries frames now; `features` are the server's. */
  onReady(features: readonly string[]): void;
  /** A frame other than the connection's own arrived on the ready connection. */
  onFrame(frame: ChatFrame): void;
  /** The connection ended: forget whatever was tied to it. */
  onDetach(): void;
}

/** What a UI sees of the connection. */
export interface ConnectionSignals {
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
  readonly lastError: ReadonlySignal<string | null>;
  /** The server refused to issue a token: the user has to log in (again). */
  readonly signedOut: ReadonlySignal<boolean>;
  /** Who the server says you are, from `hello`. */
  readonly user: ReadonlySignal<SessionUser | null>;
  readonly limits: ReadonlySignal<Limits | null>;
  /** Until when fallback mode is remembered; null when not in it. */
  readonly fallbackUntil: ReadonlySignal<number | null>;
  readonly attempts: ReadonlySignal<readonly Attempt[]>;
  readonly transitions: ReadonlySignal<readonly Transition[]>;
  readonly framesIn: ReadonlySignal<FrameCounts>;
  readonly framesOut: ReadonlySignal<FrameCounts>;
}

/** What a UI may ask of the connection. */
export interface ConnectionControls {
  /** Starts connecting from `idle`, `closed` or `failed`. */
  connect(): void;
  /** Closes the connection and stops reconnecting (`closed`). */
  disconnect(): void;
  /** Skips the wait, or replaces the current connection with a new one. */
  reconnectNow(): void;
  /** Switches to the HTTP transport now and remembers it. */
  forceFallback(): void;
  /** Measures the round trip now. */
  ping(): void;
}

/** The connection returned by {@linkcode createConnection}: the client's connection half. */
export interface Connection {
  readonly signals: ConnectionSignals;
  readonly controls: ConnectionControls;
  /** Whether `hello` arrived on the current connection. */
  isReady(): boolean;
  /** Sends a frame on the ready connection; false (sending nothing) before `hello`. */
  send(frame: ClientFrame): boolean;
  /** Shows an error the server reported about something the client asked. */
  showError(message: string): void;
  /** Disconnects and stops listening to page events. */
  dispose(): void;
}

/** The transport link currently tried or held. */
interface Link {
  kind: TransportKind;
  /** Null while the token is fetched. */
  transport: Transport | null;
  opened: boolean;
  ready: boolean;
  connectTimer: TimerId | null;
}

/** What to do after a link ended: the close policy, or start again at once. */
type NextMove = CloseAction | { kind: "now" };

function increment(counts: { value: FrameCounts }, type: string) {
  const current = counts.value;
  counts.value = { ...current, [type]: (current[type] ?? 0) + 1 };
}

/**
 * Creates a {@linkcode Connection} in `idle`; `connect()` starts it.
 *
 * @example
 * ```ts
 * const connection = createConnection(settings, { ready, onReady, onFrame, onDetach });
 * ```
 */
export function createConnection(settings: ClientSettings, hooks: ConnectionHooks): Connection {
  const { clock, backoff, log, connectTimeoutMs, longDelayMs } = settings;
  const machine = createStateMachine({ clock, log });
  const attemptLog = createAttemptLog(clock, settings.attemptsKept);
  const fallback = createFallbackPolicy({
    clock,
    storage: settings.storage,
    log,
    maxAttempts: backoff.maxAttempts,
    afterHandshakeFailures: settings.fallbackAfterHandshakeFailures,
    memoryMs: settings.fallbackMemoryMs,
    probeIntervalMs: settings.probeIntervalMs,
    probeTimeoutMs: connectTimeoutMs,
    getToken: settings.getToken,
    openWebSocket: settings.openWebSocket,
  });
  const watchdog = createWatchdog({
    clock,
    send: (frame) => send(frame),
    onDead: () => {
      if (current) drop(current, { code: 4408, reason: "no frame from the server in time" });
    },
    onHealthChange: (healthy) => {
      if (current?.ready && current.kind === "websocket") {
        machine.transition(
          healthy ? "open" : "degraded",
          healthy ? "heartbeat healthy" : "slow or late heartbeat",
        );
      }
    },
    graceMs: settings.heartbeatGraceMs,
    pingIntervalMs: settings.pingIntervalMs,
    slowRttMs: settings.slowRttMs,
  });

  const transportKind = signal<TransportKind>("websocket");
  const attempt = signal(0);
  const lastError = signal<string | null>(null);
  const signedOut = signal(false);
  const user = signal<SessionUser | null>(null);
  const limits = signal<Limits | null>(null);
  const framesIn = signal<FrameCounts>({});
  const framesOut = signal<FrameCounts>({});

  let current: Link | null = null;
  let failures = 0;
  let refreshedAfter4401 = false;

  const retry = createRetrySchedule({
    clock,
    log,
    pageEvents: settings.pageEvents,
    onDue: () => void startAttempt("retry"),
    onWake(reason) {
      if (machine.state.peek() === "reconnecting" && current === null) {
        void startAttempt(reason);
      } else if (current?.ready) {
        watchdog.ping();
      }
    },
  });

  function send(frame: ClientFrame): boolean {
    if (!current?.ready || !current.transport) return false;
    current.transport.send(frame);
    increment(framesOut, frame.type);
    return true;
  }

  function scheduleRetry(delayMs: number) {
    attemptLog.retryIn(delayMs);
    retry.start(delayMs);
  }

  // ---- one attempt ------------------------------------------------------------

  /** Starts an attempt; `freshToken` (just refreshed) is used instead of asking `getToken`. */
  async function startAttempt(reason: string, freshToken?: string) {
    retry.cancel();
    const stillWanted = retry.watch();
    const kind = fallback.transportKind();
    const link: Link = { kind, transport: null, opened: false, ready: false, connectTimer: null };
    current = link;
    batch(() => {
      attempt.value = failures + 1;
      transportKind.value = kind;
      machine.transition("connecting", reason);
    });
    attemptLog.start(failures + 1, kind);
    link.connectTimer = clock.setTimeout(
      () => drop(link, { code: 4408, reason: `no hello within ${connectTimeoutMs} ms` }),
      connectTimeoutMs,
    );

    let token: string;
    try {
      [token] = await Promise.all([freshToken ?? settings.getToken(), hooks.ready]);
    } catch (error) {
      if (current !== link || !stillWanted()) return;
      if (error instanceof AuthError) {
        signedOut.value = true;
        return stop(link, "auth", error.message);
      }
      return end(link, { code: 1006, reason: `no token: ${(error as Error).message}` });
    }
    if (current !== link || !stillWanted()) return;
    try {
      link.transport = (kind === "http" ? settings.openHttp : settings.openWebSocket)(token, {
        onOpen: () => (link.opened = true),
        onFrame: (frame) => receive(link, frame),
        onInvalidFrame: (error) => {
          increment(framesIn, "invalid");
          log(`switchboard: dropped an invalid frame: ${error.message}`);
        },
        onClose: (close) => end(link, close),
      });
    } catch (error) {
      stop(link, "handshake", `cannot open the ${kind} transport: ${(error as Error).message}`);
    }
  }

  function receive(link: Link, frame: ServerFrame) {
    if (current !== link) return;
    increment(framesIn, frame.type);
    if (frame.type === "hello") return welcome(link, frame);
    if (!link.ready) return;
    watchdog.frameReceived();
    switch (frame.type) {
      case "ping":
        return watchdog.serverPing(frame.t);
      case "pong":
        return watchdog.pongReceived(frame.t);
      case "token_expiring":
        return renewToken(link);
      case "reconnect":
        return drop(link, { code: 1012, reason: `server draining: ${frame.reason}` }, {
          kind: "delay",
          ms: frame.after_ms,
        });
      default:
        return hooks.onFrame(frame);
    }
  }

  function welcome(link: Link, hello: ServerFrameOf<"hello">) {
    if (link.ready) return;
    link.ready = true;
    if (link.connectTimer !== null) clock.clearTimeout(link.connectTimer);
    link.connectTimer = null;
    failures = 0;
    refreshedAfter4401 = false;
    fallback.connected(link.kind);
    batch(() => {
      user.value = hello.user;
      limits.value = hello.limits;
      attempt.value = 0;
      lastError.value = null;
      machine.transition(link.kind === "http" ? "fallback" : "open", `hello (${hello.instance})`);
    });
    attemptLog.ready();
    watchdog.start(hello.heartbeat_ms);
    hooks.onReady(hello.features);
    if (link.kind !== "http") return;
    fallback.startProbing({
      stillInFallback: () => current === link && link.ready,
      onWebSocketBack: () =>
        drop(link, { code: 1000, reason: "moving back to WebSocket" }, { kind: "now" }),
    });
  }

  function renewToken(link: Link) {
    settings.refreshToken().then(
      (token) => {
        if (current !== link) return;
        link.transport?.updateToken(token);
        send({ type: "auth", token });
      },
      (error: Error) => (lastError.value = `token refresh failed: ${error.message}`),
    );
  }

  // ---- the end of an attempt --------------------------------------------------

  /** Forgets the link and everything tied to it. */
  function detach(link: Link) {
    if (link.connectTimer !== null) clock.clearTimeout(link.connectTimer);
    if (current === link) current = null;
    watchdog.stop();
    fallback.stopProbing();
    hooks.onDetach();
  }

  /** Ends an attempt for good: `failed`. */
  function stop(link: Link, cause: AttemptCause, reason: string) {
    detach(link);
    link.transport?.close(1000, reason);
    attemptLog.end(cause, null, reason);
    lastError.value = reason;
    machine.transition("failed", reason);
  }

  /** Closes the link from this side, then handles it like any end. */
  function drop(link: Link, close: TransportClose, move?: NextMove) {
    if (current !== link) return;
    link.transport?.close(1000, close.reason);
    end(link, close, move);
  }

  function end(link: Link, close: TransportClose, move?: NextMove) {
    if (current !== link) return;
    detach(link);
    const cause = move?.kind === "now" ? null : classifyClose(close, link);
    attemptLog.end(cause, close.code, close.reason);
    fallback.ended(link.kind, link);
    if (cause) lastError.value = `${cause}: ${close.reason || "connection closed"} (${close.code})`;
    next(link, move ?? decideClose(close, { longDelayMs }), close.reason);
  }

  function next(link: Link, move: NextMove, reason: string) {
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
    const switchedTo = fallback.switchAfterFailure(link.kind, failures);
    if (switchedTo) {
      failures = 0;
      return void startAttempt(
        switchedTo === "http" ? "switching to the HTTP fallback" : "switching back to WebSocket",
      );
    }
    scheduleRetry(backoff.delay(failures));
  }

  function refreshThenConnect() {
    retry.cancel();
    const stillWanted = retry.watch();
    settings.refreshToken().then(
      (token) => {
        if (stillWanted()) void startAttempt("token refreshed", token);
      },
      (error: Error) => {
        if (!stillWanted()) return;
        lastError.value = error.message;
        if (error instanceof AuthError) {
          signedOut.value = true;
          machine.transition("failed", error.message);
        } else scheduleRetry(backoff.delay(failures));
      },
    );
  }

  // ---- requests ---------------------------------------------------------------

  const stopped = () => {
    const state = machine.state.peek();
    return state === "idle" || state === "closed" || state === "failed";
  };

  const connect = () => {
    if (!stopped()) return;
    failures = 0;
    signedOut.value = false;
    void startAttempt("connect()");
  };

  const disconnect = () => {
    retry.cancel();
    const link = current;
    if (link) {
      detach(link);
      link.transport?.close(1000, "disconnect()");
      attemptLog.end(null, 1000, "disconnect()");
    }
    fallback.stopProbing();
    machine.transition("closed", "disconnect()");
  };

  return {
    signals: {
      state: machine.state,
      transport: transportKind,
      attempt,
      nextRetryAt: retry.nextRetryAt,
      latencyMs: watchdog.latencyMs,
      latencyHistory: watchdog.latencyHistory,
      quality: watchdog.quality,
      online: retry.online,
      lastError,
      signedOut,
      user,
      limits,
      fallbackUntil: fallback.until,
      attempts: attemptLog.attempts,
      transitions: machine.transitions,
      framesIn,
      framesOut,
    },
    controls: {
      connect,
      disconnect,
      reconnectNow() {
        if (stopped()) return connect();
        if (current) {
          return drop(current, { code: 1000, reason: "reconnect requested" }, { kind: "now" });
        }
        void startAttempt("reconnect requested");
      },
      forceFallback() {
        if (!fallback.isActive()) fallback.enter("forced");
        if (stopped()) return;
        if (current?.kind === "http") return;
        if (current) {
          return drop(current, { code: 1000, reason: "fallback forced" }, { kind: "now" });
        }
        void startAttempt("fallback forced");
      },
      ping: () => watchdog.ping(),
    },
    isReady: () => current?.ready === true,
    send,
    showError: (message) => void (lastError.value = message),
    dispose() {
      disconnect();
      retry.dispose();
    },
  };
}

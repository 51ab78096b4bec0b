/**
 * The connection state machine and the list of recent connection attempts.
 *
 * ```
 * idle → connecting → open ⇄ degraded
 *            │  ╰──→ fallback (connected over HTTP)
 *            ╰──→ reconnecting → connecting …
 * any → failed (4400/4403, signed out) · any → closed (by the user)
 * ```
 *
 * Only the moves in {@linkcode TRANSITIONS} are taken. A request to move to the
 * state the machine is already in is suppressed, so every transition is logged
 * exactly once however many events report it.
 *
 * @example
 * ```ts
 * const machine = createStateMachine({ clock, log: console.info });
 * machine.transition("connecting", "connect()"); // true, logs "idle → connecting: connect()"
 * machine.transition("connecting", "again");     // false, nothing logged
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { Clock } from "../time/clock.ts";
import type { TransportKind } from "./transport.ts";

/** Where the connection stands. `open` and `fallback` are only entered after `hello`. */
export type ConnectionState =
  | "idle"
  | "connecting"
  | "open"
  | "degraded"
  | "reconnecting"
  | "fallback"
  | "failed"
  | "closed";

/** Every allowed move, from → to. */
export const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  idle: ["connecting", "closed"],
  connecting: ["open", "fallback", "reconnecting", "failed", "closed"],
  open: ["degraded", "reconnecting", "failed", "closed"],
  degraded: ["open", "reconnecting", "failed", "closed"],
  reconnecting: ["connecting", "failed", "closed"],
  fallback: ["reconnecting", "failed", "closed"],
  failed: ["connecting", "closed"],
  closed: ["connecting"],
};

/** One logged move. */
export interface Transition {
  at: number;
  from: ConnectionState;
  to: ConnectionState;
  reason: string;
}

/** The state and its history. */
export interface StateMachine {
  readonly state: ReadonlySignal<ConnectionState>;
  /** The most recent transitions, oldest first. */
  readonly transitions: ReadonlySignal<readonly Transition[]>;
  /** Whether `to` can be entered from the current state. */
  can(to: ConnectionState): boolean;
  /**
   * Moves to `to` and logs it. Returns false, changing nothing, when already in
   * `to` (a duplicate) or when the move is not allowed (logged as a bug).
   */
  transition(to: ConnectionState, reason: string): boolean;
}

/** Options of {@linkcode createStateMachine}. */
export interface StateMachineOptions {
  clock: Clock;
  log: (line: string) => void;
  /** How many transitions to keep. Default 50. */
  keep?: number;
}

/** Creates a {@linkcode StateMachine} in `idle`. */
export function createStateMachine(options: StateMachineOptions): StateMachine {
  const { clock, log, keep = 50 } = options;
  const state = signal<ConnectionState>("idle");
  const transitions = signal<readonly Transition[]>([]);

  const can = (to: ConnectionState) => TRANSITIONS[state.peek()].includes(to);

  const transition = (to: ConnectionState, reason: string): boolean => {
    const from = state.peek();
    if (from === to) return false;
    if (!can(to)) {
      log(`switchboard: refused transition ${from} → ${to} (${reason})`);
      return false;
    }
    const entry = { at: clock.now(), from, to, reason };
    transitions.value = [...transitions.peek(), entry].slice(-keep);
    state.value = to;
    log(`switchboard: ${from} → ${to}: ${reason}`);
    return true;
  };

  return { state, transitions, can, transition };
}

/** Why an attempt or a connection ended. */
export type AttemptCause =
  | "network"
  | "handshake"
  | "auth"
  | "server_error"
  | "abnormal"
  | "timeout"
  | "rate_limited";

/** One connection attempt, from its start to its end. */
export interface Attempt {
  /** The attempt's number in its run of consecutive failures (1 = first try). */
  n: number;
  transport: TransportKind;
  startedAt: number;
  /** When `hello` arrived; null if it never did. */
  readyAt: number | null;
  endedAt: number | null;
  /** Null while running, and when it ended on request (disconnect, reconnect now). */
  cause: AttemptCause | null;
  code: number | null;
  reason: string;
  /** The wait scheduled after it ended, if any. */
  retryDelayMs: number | null;
}

/** A bounded list of recent attempts, newest last. */
export interface AttemptLog {
  readonly attempts: ReadonlySignal<readonly Attempt[]>;
  start(n: number, transport: TransportKind): void;
  ready(): void;
  end(cause: AttemptCause | null, code: number | null, reason: string): void;
  retryIn(delayMs: number): void;
}

/**
 * Creates an {@linkcode AttemptLog} keeping `keep` attempts.
 *
 * @example
 * ```ts
 * const log = createAttemptLog(clock, 20);
 * log.start(1, "websocket");
 * log.end("network", 1006, "connection refused");
 * log.retryIn(1_000);
 * ```
 */
export function createAttemptLog(clock: Clock, keep = 20): AttemptLog {
  const attempts = signal<readonly Attempt[]>([]);

  const updateLast = (change: Partial<Attempt>) => {
    const list = attempts.peek();
    const last = list.at(-1);
    if (!last) return;
    attempts.value = [...list.slice(0, -1), { ...last, ...change }];
  };

  return {
    attempts,
    start(n, transport) {
      const attempt: Attempt = {
        n,
        transport,
        startedAt: clock.now(),
        readyAt: null,
        endedAt: null,
        cause: null,
        code: null,
        reason: "",
        retryDelayMs: null,
      };
      attempts.value = [...attempts.peek(), attempt].slice(-keep);
    },
    ready: () => updateLast({ readyAt: clock.now() }),
    end: (cause, code, reason) => updateLast({ endedAt: clock.now(), cause, code, reason }),
    retryIn: (delayMs) => updateLast({ retryDelayMs: delayMs }),
  };
}

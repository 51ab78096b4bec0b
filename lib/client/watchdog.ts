/**
 * Liveness and latency of one connection.
 *
 * A half-open connection (a laptop that slept, a NAT that forgot the flow)
 * raises no error; it just goes quiet. The server sends `ping` every
 * `heartbeat_ms`, so silence for `heartbeat_ms + graceMs` means the connection
 * is dead. Silence past `heartbeat_ms + graceMs / 2` (the server's ping is
 * late), or a client `ping` unanswered after `slowRttMs`, makes the connection
 * `poor` before that. The client pings every
 * `pingIntervalMs` and measures the round trip.
 *
 * @example
 * ```ts
 * const watchdog = createWatchdog({
 *   clock,
 *   send: (frame) => transport.send(frame),
 *   onDead: () => reconnect(),
 *   onHealthChange: (healthy) => console.log(healthy ? "open" : "degraded"),
 * });
 * watchdog.start(hello.heartbeat_ms);
 * // for every server frame: watchdog.frameReceived();
 * ```
 */
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { Clock, TimerId } from "../time/clock.ts";
import type { ClientFrameOf } from "../protocol/mod.ts";

/** `unknown` when not connected or not measured yet; `poor` makes the state `degraded`. */
export type Quality = "unknown" | "good" | "fair" | "poor";

/** One round-trip measurement. */
export interface LatencySample {
  at: number;
  ms: number;
}

/** Options of {@linkcode createWatchdog}. */
export interface WatchdogOptions {
  clock: Clock;
  /** Sends a client `ping` or `pong`. */
  send(frame: ClientFrameOf<"ping"> | ClientFrameOf<"pong">): void;
  /** The connection is dead; the watchdog has stopped itself. */
  onDead(): void;
  /** The quality crossed the `poor` line, either way. */
  onHealthChange(healthy: boolean): void;
  /** Extra silence allowed past `heartbeat_ms`. Default 5 000. */
  graceMs?: number;
  /** How often the client pings. Default 10 000. */
  pingIntervalMs?: number;
  /** A round trip up to this is `good`. Default 300. */
  goodRttMs?: number;
  /** A round trip above this, or a pong later than this, is `poor`. Default 1 500. */
  slowRttMs?: number;
  /** Samples kept in `latencyHistory`. Default 60. */
  keep?: number;
}

/** The watchdog of the current connection. */
export interface Watchdog {
  /** The last measured round trip, null when not connected. */
  readonly latencyMs: ReadonlySignal<number | null>;
  readonly latencyHistory: ReadonlySignal<readonly LatencySample[]>;
  readonly quality: ReadonlySignal<Quality>;
  /** Starts watching a connection whose server pings every `heartbeatMs`. */
  start(heartbeatMs: number): void;
  stop(): void;
  /** Any frame arrived from the server. */
  frameReceived(): void;
  /** Answers a server `ping`. */
  serverPing(t: number): void;
  /** A `pong` to a client ping arrived. */
  pongReceived(t: number): void;
  /** Pings now (also done every `pingIntervalMs`). */
  ping(): void;
}

/** Creates a stopped {@linkcode Watchdog}. */
export function createWatchdog(options: WatchdogOptions): Watchdog {
  const {
    clock,
    send,
    onDead,
    onHealthChange,
    graceMs = 5_000,
    pingIntervalMs = 10_000,
    goodRttMs = 300,
    slowRttMs = 1_500,
    keep = 60,
  } = options;

  const running = signal(false);
  const silenceLate = signal(false);
  const pongLate = signal(false);
  const latencyMs = signal<number | null>(null);
  const latencyHistory = signal<readonly LatencySample[]>([]);
  const quality = computed<Quality>(() => {
    if (!running.value) return "unknown";
    if (silenceLate.value || pongLate.value) return "poor";
    const ms = latencyMs.value;
    if (ms === null) return "unknown";
    if (ms <= goodRttMs) return "good";
    return ms <= slowRttMs ? "fair" : "poor";
  });

  let heartbeatMs = 0;
  let lateTimer: TimerId | null = null;
  let deadTimer: TimerId | null = null;
  let pongTimer: TimerId | null = null;
  let pingTimer: TimerId | null = null;
  let outstandingPing: number | null = null;
  let healthy = true;

  const reportHealth = () => {
    const now = quality.peek() !== "poor";
    if (now === healthy) return;
    healthy = now;
    onHealthChange(now);
  };

  const clearTimers = () => {
    for (const timer of [lateTimer, deadTimer, pongTimer]) {
      if (timer !== null) clock.clearTimeout(timer);
    }
    if (pingTimer !== null) clock.clearInterval(pingTimer);
    lateTimer =
      deadTimer =
      pongTimer =
      pingTimer =
        null;
  };

  const stop = () => {
    clearTimers();
    running.value = false;
    silenceLate.value = false;
    pongLate.value = false;
    latencyMs.value = null;
    outstandingPing = null;
    healthy = true;
  };

  const armSilenceTimers = () => {
    if (lateTimer !== null) clock.clearTimeout(lateTimer);
    if (deadTimer !== null) clock.clearTimeout(deadTimer);
    lateTimer = clock.setTimeout(() => {
      silenceLate.value = true;
      reportHealth();
    }, heartbeatMs + graceMs / 2);
    deadTimer = clock.setTimeout(() => {
      stop();
      onDead();
    }, heartbeatMs + graceMs);
  };

  const ping = () => {
    if (!running.peek()) return;
    const t = clock.now();
    outstandingPing = t;
    if (pongTimer !== null) clock.clearTimeout(pongTimer);
    pongTimer = clock.setTimeout(() => {
      pongLate.value = true;
      reportHealth();
    }, slowRttMs);
    send({ type: "ping", t });
  };

  return {
    latencyMs,
    latencyHistory,
    quality,
    start(heartbeat) {
      stop();
      heartbeatMs = heartbeat;
      running.value = true;
      armSilenceTimers();
      pingTimer = clock.setInterval(ping, pingIntervalMs);
      ping();
    },
    stop,
    frameReceived() {
      if (!running.peek()) return;
      armSilenceTimers();
      silenceLate.value = false;
      reportHealth();
    },
    serverPing: (t) => send({ type: "pong", t }),
    pongReceived(t) {
      if (!running.peek() || t !== outstandingPing) return;
      outstandingPing = null;
      if (pongTimer !== null) clock.clearTimeout(pongTimer);
      pongTimer = null;
      const ms = clock.now() - t;
      latencyMs.value = ms;
      latencyHistory.value = [...latencyHistory.peek(), { at: clock.now(), ms }].slice(-keep);
      pongLate.value = false;
      reportHealth();
    },
    ping,
  };
}

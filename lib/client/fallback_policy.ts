/**
 * When the client uses the HTTP fallback instead of the WebSocket, and when it
 * goes back.
 *
 * After `maxAttempts` failed WebSocket attempts in a row, or after
 * `afterHandshakeFailures` WebSockets that opened and died before `hello` (a
 * proxy that lets the upgrade through and then kills it), the client switches
 * to HTTP and remembers that for `memoryMs` in `storage`, so a reload does not
 * fight the same proxy again. While connected over HTTP it probes the
 * WebSocket every `probeIntervalMs`; a probe that gets its `hello` ends the
 * fallback. Running out of attempts over HTTP tries the WebSocket again.
 *
 * @example
 * ```ts
 * const fallback = createFallbackPolicy({ clock, storage: localStorage, log, ... });
 * const kind = fallback.transportKind(); // "websocket" unless fallback is remembered
 * fallback.switchAfterFailure("websocket", 8); // "http": 8 attempts failed
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { Clock, TimerId } from "../time/clock.ts";
import type { ConnectionProgress } from "./close_policy.ts";
import type { Transport, TransportFactory, TransportKind } from "./transport.ts";

const FALLBACK_KEY = "switchboard.fallback_until";

/** Options of {@linkcode createFallbackPolicy}. */
export interface FallbackPolicyOptions {
  clock: Clock;
  /** Where the fallback is remembered across reloads; null for nowhere. */
  storage: Storage | null;
  log: (line: string) => void;
  /** Failed attempts in a row, on either transport, that switch to the other one. */
  maxAttempts: number;
  /** WebSockets opened and dead before `hello`, in a row, that switch to HTTP. */
  afterHandshakeFailures: number;
  /** How long the fallback is remembered. */
  memoryMs: number;
  /** How often the WebSocket is probed while connected over HTTP. */
  probeIntervalMs: number;
  /** How long a probe waits for its `hello`. */
  probeTimeoutMs: number;
  getToken: () => Promise<string>;
  openWebSocket: TransportFactory;
}

/** What {@linkcode FallbackPolicy.startProbing} asks of the connection it probes for. */
export interface ProbeTarget {
  /** Whether the HTTP connection the probe started for is still the one held. */
  stillInFallback(): boolean;
  /** The WebSocket works again: replace the HTTP connection. */
  onWebSocketBack(): void;
}

/** The fallback decisions and the WebSocket probe. */
export interface FallbackPolicy {
  /** Until when fallback mode is remembered; null when not in it. */
  readonly until: ReadonlySignal<number | null>;
  /** Whether fallback mode is on; forgets it once its memory expired. */
  isActive(): boolean;
  /** The transport the next attempt uses. */
  transportKind(): TransportKind;
  /** Turns fallback mode on and remembers it. */
  enter(reason: string): void;
  /** Turns fallback mode off and forgets it. */
  leave(reason: string): void;
  /** `hello` arrived over `kind`. */
  connected(kind: TransportKind): void;
  /** A connection over `kind` ended having got as far as `progress`. */
  ended(kind: TransportKind, progress: ConnectionProgress): void;
  /**
   * After `failures` failed attempts in a row over `kind`: the transport to
   * switch to (having entered or left fallback mode), or null to stay.
   */
  switchAfterFailure(kind: TransportKind, failures: number): TransportKind | null;
  /** Probes the WebSocket after `probeIntervalMs`, again after each failed probe. */
  startProbing(target: ProbeTarget): void;
  /** Cancels the probe timer and closes a running probe. */
  stopProbing(): void;
}

/**
 * Creates a {@linkcode FallbackPolicy}, in fallback mode if `storage` remembers it.
 *
 * @example
 * ```ts
 * const fallback = createFallbackPolicy({
 *   clock, storage: null, log: console.info, maxAttempts: 8, afterHandshakeFailures: 3,
 *   memoryMs: 1_800_000, probeIntervalMs: 60_000, probeTimeoutMs: 10_000, getToken, openWebSocket,
 * });
 * ```
 */
export function createFallbackPolicy(options: FallbackPolicyOptions): FallbackPolicy {
  const { clock, storage, log, probeIntervalMs, probeTimeoutMs } = options;
  const until = signal<number | null>(null);
  let handshakeFailures = 0;
  let probeTimer: TimerId | null = null;
  let probe: { transport: Transport | null; timeout: TimerId } | null = null;

  const storedUntil = Number(storage?.getItem(FALLBACK_KEY));
  if (storedUntil > clock.now()) until.value = storedUntil;

  const enter = (reason: string) => {
    const memoryEnd = clock.now() + options.memoryMs;
    until.value = memoryEnd;
    storage?.setItem(FALLBACK_KEY, String(memoryEnd));
    log(`switchboard: using the HTTP fallback: ${reason}`);
  };

  const leave = (reason: string) => {
    until.value = null;
    storage?.removeItem(FALLBACK_KEY);
    log(`switchboard: back to WebSocket: ${reason}`);
  };

  const isActive = () => {
    const end = until.peek();
    if (end !== null && end <= clock.now()) leave("fallback memory expired");
    return until.peek() !== null;
  };

  const stopProbing = () => {
    if (probeTimer !== null) clock.clearTimeout(probeTimer);
    probeTimer = null;
    if (probe) {
      clock.clearTimeout(probe.timeout);
      probe.transport?.close(1000, "probe over");
      probe = null;
    }
  };

  const startProbing = (target: ProbeTarget) => {
    stopProbing();
    probeTimer = clock.setTimeout(() => {
      probeTimer = null;
      void runProbe(target);
    }, probeIntervalMs);
  };

  async function runProbe(target: ProbeTarget) {
    const current = {
      transport: null as Transport | null,
      timeout: clock.setTimeout(() => finish(false), probeTimeoutMs),
    };
    probe = current;
    const finish = (worked: boolean) => {
      if (probe !== current) return;
      stopProbing();
      if (!target.stillInFallback()) return;
      if (!worked) return startProbing(target);
      log("switchboard: WebSocket probe succeeded");
      leave("the WebSocket works again");
      target.onWebSocketBack();
    };
    let token: string;
    try {
      token = await options.getToken();
    } catch {
      return finish(false);
    }
    if (probe !== current) return;
    current.transport = options.openWebSocket(token, {
      onOpen: () => {},
      onFrame: (frame) => frame.type === "hello" && finish(true),
      onInvalidFrame: () => {},
      onClose: () => finish(false),
    });
  }

  return {
    until,
    isActive,
    transportKind: () => isActive() ? "http" : "websocket",
    enter,
    leave,
    connected(kind) {
      if (kind === "websocket") handshakeFailures = 0;
    },
    ended(kind, progress) {
      if (kind === "websocket" && progress.opened && !progress.ready) handshakeFailures++;
    },
    switchAfterFailure(kind, failures) {
      const exhausted = failures >= options.maxAttempts;
      if (
        kind === "websocket" && (exhausted || handshakeFailures >= options.afterHandshakeFailures)
      ) {
        enter(exhausted ? `${failures} attempts failed` : "WebSockets die before hello");
        return "http";
      }
      if (kind === "http" && exhausted) {
        leave(`${failures} HTTP attempts failed`);
        return "websocket";
      }
      return null;
    },
    startProbing,
    stopProbing,
  };
}

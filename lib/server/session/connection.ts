/**
 * One client connection, as the hub and the room layer see it: who it is, the
 * rooms it joined, and how to send it frames or close it. The hub owns its
 * liveness bookkeeping (last frame seen, token expiry, outbound backlog); a room
 * layer only sends, closes and keeps `rooms` up to date.
 *
 * It runs over a {@linkcode ConnectionSocket}: a WebSocket, or the fallback
 * transport's event stream, so rooms, presence, resume and drain work the same
 * over either. Frames sent through {@linkcode Connection.send} are counted by
 * type; callers of `sendText` (one text for many connections) count their own.
 *
 * A client that stops reading must not make the server hold ever more for it:
 * a frame for a socket whose unsent backlog is already over `maxBacklogBytes`
 * is not queued, and the socket is closed with 1008 at once. The client
 * recovers by seq when it reconnects.
 *
 * @example
 * ```ts
 * connection.send({ type: "left", room: "general" });
 * const text = JSON.stringify(frame); // serialize once...
 * for (const member of members) member.sendText(text); // ...send to many
 * ```
 */
import { CloseCode, type ErrorCode } from "../../protocol/codes.ts";
import type { ServerFrame, SessionUser } from "../../protocol/frames.ts";
import type { FrameRateLimit } from "./frame_rate_limit.ts";
import type { Logger } from "../log.ts";
import type { SwitchboardMetrics, Transport } from "../metrics/mod.ts";

/**
 * What a connection writes to. A `WebSocket` fits as it is; the fallback
 * transport's event stream implements it too.
 */
export interface ConnectionSocket {
  /** Bytes queued for sending but not yet sent. */
  readonly bufferedAmount: number;
  /** Queues one serialized frame; may throw once the peer is gone. */
  send(text: string): void;
  /** Ends the connection; its owner reports the close to the hub. */
  close(code: number, reason: string): void;
}

/** The metrics a connection reports to. */
export type ConnectionMetrics = Pick<
  SwitchboardMetrics,
  "framesSent" | "errorsSent" | "slowConsumerCloses"
>;

/** `open` until a close is asked for or happens; `closing` until the close event; then `closed`. */
export type ConnectionState = "open" | "closing" | "closed";

/** Optional parts of an `error` frame. */
export interface ErrorDetails {
  ref?: string;
  retryAfterMs?: number;
  /** Whether the client may carry on; true unless said otherwise. */
  recoverable?: boolean;
}

/** What a connection is made from. */
export interface ConnectionInit {
  socket: ConnectionSocket;
  transport: Transport;
  session: string;
  user: SessionUser;
  address: string;
  tokenExpiresAt: number;
  /** The sign-in its token belongs to (the token's `sid`), if any. */
  loginId?: string;
  rateLimit: FrameRateLimit;
  now: number;
  metrics: ConnectionMetrics;
  /** Unsent bytes beyond which the client counts as not reading (`SLOW_CONSUMER_BYTES`). */
  maxBacklogBytes: number;
  /** Where a slow consumer's close is told (its close event may come much later, or never). */
  log: Pick<Logger, "warn">;
}

/** Where every connection's frame chain starts; a settled promise can be shared. */
const SETTLED: Promise<void> = Promise.resolve();

/** One client connection. */
export class Connection {
  readonly session: string;
  readonly transport: Transport;
  readonly user: SessionUser;
  readonly address: string;
  /** Rooms this connection joined; maintained by the room layer. */
  readonly rooms: Set<string> = new Set();
  readonly rateLimit: FrameRateLimit;
  /** When the client last sent anything (for the heartbeat timeout). */
  lastSeenAt: number;
  tokenExpiresAt: number;
  /** The sign-in its current token belongs to: signing out of it closes the connection. */
  loginId: string | undefined;
  /** Whether `token_expiring` was sent for the current token. */
  tokenWarned = false;
  /** Whether the client asked to hear `membership` frames (`subscribe_membership`). */
  hearsMembership = false;
  /** Frames are handled in order; this settles when every frame so far has been handled. */
  inbox: Promise<void> = SETTLED;
  /** Settles when the next `send` may start: the sends before it started, anything else finished. */
  sendGate: Promise<void> = SETTLED;
  #socket: ConnectionSocket;
  #metrics: ConnectionMetrics;
  #maxBacklogBytes: number;
  #log: Pick<Logger, "warn">;
  #state: ConnectionState = "open";
  /** Made when someone first waits for the close: most connections are never waited for. */
  #closed: PromiseWithResolvers<void> | undefined;

  constructor(init: ConnectionInit) {
    this.#socket = init.socket;
    this.#metrics = init.metrics;
    this.#maxBacklogBytes = init.maxBacklogBytes;
    this.#log = init.log;
    this.transport = init.transport;
    this.session = init.session;
    this.user = init.user;
    this.address = init.address;
    this.tokenExpiresAt = init.tokenExpiresAt;
    this.loginId = init.loginId;
    this.rateLimit = init.rateLimit;
    this.lastSeenAt = init.now;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Bytes queued for sending but not yet sent. */
  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  /** Who this is, for a log line: its session, user and transport. */
  get logFields(): { session: string; user: string; transport: Transport } {
    return { session: this.session, user: this.user.id, transport: this.transport };
  }

  /** Resolves once the socket has closed. */
  get closed(): Promise<void> {
    if (this.#closed) return this.#closed.promise;
    if (this.#state === "closed") return SETTLED;
    this.#closed = Promise.withResolvers<void>();
    return this.#closed.promise;
  }

  /** Sends a frame; ignored once the connection is closing. */
  send(frame: ServerFrame): void {
    if (this.#state !== "open") return;
    this.#metrics.framesSent.labels(frame.type).inc();
    if (frame.type === "error") this.#metrics.errorsSent.labels(frame.code).inc();
    this.sendText(JSON.stringify(frame));
  }

  /**
   * Sends an already serialized frame (to serialize once for many connections),
   * unless the client stopped reading: then the socket is closed instead.
   */
  sendText(text: string): void {
    if (this.#state !== "open") return;
    const backlog = this.#socket.bufferedAmount;
    if (backlog > this.#maxBacklogBytes) {
      this.#metrics.slowConsumerCloses.inc();
      this.#log.warn("ws.slow_consumer", { ...this.logFields, code: CloseCode.POLICY, backlog });
      this.close(CloseCode.POLICY, "slow consumer: outbound buffer over limit");
      return;
    }
    try {
      this.#socket.send(text);
    } catch {
      // The socket closed under us; its close event does the cleanup.
    }
  }

  /** Sends an `error` frame. */
  sendError(code: ErrorCode, message: string, details: ErrorDetails = {}): void {
    this.send({
      type: "error",
      code,
      message,
      recoverable: details.recoverable ?? true,
      ...(details.retryAfterMs === undefined ? {} : { retry_after_ms: details.retryAfterMs }),
      ...(details.ref === undefined ? {} : { ref: details.ref }),
    });
  }

  /** Closes the socket with a close code and a reason (at most 123 bytes). */
  close(code: number, reason: string): void {
    if (this.#state !== "open") return;
    this.#state = "closing";
    try {
      this.#socket.close(code, reason);
    } catch {
      // Already closed by the peer.
    }
  }

  /** Called by the hub when the socket has closed. */
  markClosed(): void {
    this.#state = "closed";
    this.#closed?.resolve();
  }
}

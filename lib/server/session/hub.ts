/**
 * The hub: every live connection of this isolate, the socket loop that turns
 * raw inbound data into handled frames, and the one timer that sweeps all
 * connections for heartbeats and token expiry. (A slow consumer is closed by
 * its connection, at the first frame that would queue over the bound.)
 *
 * Inbound, in order: any data counts as a sign of life; a frame over
 * `max_frame_bytes` closes the socket (1009); a binary or malformed frame gets
 * `error` `bad_frame`; every frame but `ping`/`pong` is charged to the rate
 * limit; valid frames are handled one at a time per connection, room frames by
 * the {@linkcode RoomHandler}.
 *
 * A connection runs over a WebSocket or over the fallback transport's event
 * stream; the hub treats both alike. It reports every event it sees to the
 * metrics (refusals, opens and closes, frames by type, rate limits, slow
 * consumers, heartbeat round trips) without allocating per frame.
 *
 * @example
 * ```ts
 * const hub = createHub({ config, clock, random, log, instance, rooms, tokens, metrics, statusFeed });
 * const connection = hub.attach(socket, { user, tokenExpiresAt, address }, "websocket");
 * ```
 */
import type { Clock, TimerId } from "../../time/clock.ts";
import type { Random } from "../../time/random.ts";
import { CloseCode } from "../../protocol/codes.ts";
import { type ClientFrame, type ClientFrameOf, isRoomFrame } from "../../protocol/frames.ts";
import { parseClientFrame } from "../../protocol/parse.ts";
import { FEATURES, VERSION } from "../../protocol/version.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { TokenIssuer } from "../auth/mod.ts";
import { Connection, type ConnectionSocket } from "./connection.ts";
import { createFrameRateLimit } from "./frame_rate_limit.ts";
import type { SwitchboardMetrics, Transport } from "../metrics/mod.ts";
import {
  type Admission,
  type LimitRefusal,
  REFUSAL_CLOSE_CODES,
  type Refused,
} from "./admission.ts";
import type { RoomHandler } from "../rooms/mod.ts";
import type { StatusFeed } from "./status_feed.ts";

/** How often the sweep runs (or every heartbeat, if that is shorter). */
const SWEEP_MS = 1000;

/** What {@linkcode createHub} needs. */
export interface HubOptions {
  config: Config;
  clock: Clock;
  random: Random;
  log: Logger;
  /** This isolate's id, sent in `hello`. */
  instance: string;
  rooms: RoomHandler;
  tokens: TokenIssuer;
  metrics: SwitchboardMetrics;
  /** Where `subscribe_status` frames subscribe. */
  statusFeed: StatusFeed;
}

/** The connections of this isolate, and the limits on them. */
export interface Hub {
  readonly connections: ReadonlySet<Connection>;
  /** False once draining or closed: no new connections. */
  readonly accepting: boolean;
  /**
   * Whether a client may start a session now (draining, per-user and
   * per-address limits). A refusal is counted and logged.
   */
  admit(admission: Admission): Refused<LimitRefusal> | undefined;
  /**
   * Registers an opened socket and sends `hello`; when {@linkcode Hub.admit}
   * refuses, closes the socket with the refusal's code instead.
   */
  attach(
    socket: ConnectionSocket,
    admission: Admission,
    transport: Transport,
  ): Connection | undefined;
  /** The connection with this session id, while it is attached. */
  session(id: string): Connection | undefined;
  /** Handles data received on a connection. Never throws. */
  receive(connection: Connection, data: unknown): void;
  /** Forgets a connection whose socket closed with `code`. */
  detach(connection: Connection, code: number): void;
  /**
   * Sends `error` `forbidden` to every open connection of a user and closes
   * it with 4403 `kicked`; returns how many.
   */
  kick(userId: string): number;
  /**
   * Sends `error` `unauthorized` to every open connection of the sign-in
   * `loginId` and closes it with 4401 (signed out); returns how many.
   */
  closeLogin(loginId: string): number;
  /** Sends every client `reconnect`, closes them with 1012, and waits (bounded) for them to go. */
  drain(): Promise<void>;
  /** Stops the sweep and closes every socket with 1001. */
  close(): Promise<void>;
}

/** Whether a text frame is over `maxBytes` in UTF-8 (encoding it only when its length cannot tell). */
function isTooBig(text: string, maxBytes: number): boolean {
  // A string has at most as many UTF-16 units as its UTF-8 encoding has bytes.
  return text.length > maxBytes || new TextEncoder().encode(text).byteLength > maxBytes;
}

function binarySize(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (data instanceof Blob) return data.size;
  return 0;
}

function addTo(index: Map<string, Set<Connection>>, key: string, connection: Connection) {
  let set = index.get(key);
  if (!set) index.set(key, set = new Set());
  set.add(connection);
}

function removeFrom(index: Map<string, Set<Connection>>, key: string, connection: Connection) {
  const set = index.get(key);
  set?.delete(connection);
  if (set?.size === 0) index.delete(key);
}

/** Creates a {@linkcode Hub}. */
export function createHub(options: HubOptions): Hub {
  const { config, clock, random, log, instance, rooms, tokens, metrics, statusFeed } = options;
  const connections = new Set<Connection>();
  const sessions = new Map<string, Connection>();
  const byUser = new Map<string, Set<Connection>>();
  const byAddress = new Map<string, Set<Connection>>();
  let accepting = true;
  let draining: Promise<void> | undefined;
  let nextPingAt = clock.now() + config.heartbeatMs;

  const fields = (connection: Connection) => ({
    session: connection.session,
    user: connection.user.id,
    transport: connection.transport,
  });

  const closeWith = (connection: Connection, code: number, reason: string) => {
    log.info("ws.closing", { ...fields(connection), code, reason });
    connection.close(code, reason);
  };

  const sweep = () => {
    const now = clock.now();
    const silentLimit = 2 * config.heartbeatMs;
    for (const connection of connections) {
      if (connection.state !== "open") continue;
      if (now - connection.lastSeenAt >= silentLimit) {
        closeWith(connection, CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout");
        continue;
      }
      if (now >= connection.tokenExpiresAt) {
        connection.sendError("unauthorized", "access token expired", { recoverable: false });
        closeWith(connection, CloseCode.UNAUTHORIZED, "token expired");
        continue;
      }
      if (
        !connection.tokenWarned && now >= connection.tokenExpiresAt - config.tokenExpiringLeadMs
      ) {
        connection.tokenWarned = true;
        connection.send({ type: "token_expiring", token_expires_at: connection.tokenExpiresAt });
      }
    }
    if (now >= nextPingAt) {
      nextPingAt = now + config.heartbeatMs;
      const ping = JSON.stringify({ type: "ping", t: now });
      for (const connection of connections) connection.sendText(ping);
      metrics.framesSent.labels("ping").inc(connections.size);
    }
  };
  const sweepTimer: TimerId = clock.setInterval(sweep, Math.min(SWEEP_MS, config.heartbeatMs));

  const refreshToken = async (connection: Connection, frame: ClientFrameOf<"auth">) => {
    const ref = frame.ref === undefined ? {} : { ref: frame.ref };
    const result = await tokens.verify(frame.token);
    if (!result.ok || result.user.id !== connection.user.id) {
      const reason = result.ok ? "token is for another user" : result.reason;
      connection.sendError("unauthorized", reason, { ...ref, recoverable: false });
      closeWith(connection, CloseCode.UNAUTHORIZED, reason);
      return;
    }
    connection.tokenExpiresAt = result.expiresAt;
    connection.loginId = result.loginId;
    connection.tokenWarned = false;
    connection.send({ type: "auth_ok", token_expires_at: result.expiresAt, ...ref });
  };

  /** Room frames go to the room layer whole; the hub answers the frames about the session. */
  const handle = async (connection: Connection, frame: ClientFrame, receivedAt: number) => {
    if (connection.state !== "open") return;
    if (isRoomFrame(frame)) return await rooms.handle(connection, frame, receivedAt);
    switch (frame.type) {
      case "ping":
        connection.send({
          type: "pong",
          t: frame.t,
          ...(frame.ref === undefined ? {} : { ref: frame.ref }),
        });
        return;
      case "pong": {
        const roundTrip = receivedAt - frame.t;
        if (roundTrip >= 0) metrics.heartbeatRtt.observe(roundTrip);
        return;
      }
      case "auth":
        await refreshToken(connection, frame);
        return;
      case "subscribe_status":
        statusFeed.subscribe(
          connection,
          frame,
          connection.user.role === "admin" ? "admin" : "public",
        );
        return;
      case "unsubscribe_status":
        statusFeed.unsubscribe(connection);
        return;
    }
  };

  /** Frame handling still under way (a commit, a history read), so close waits for it. */
  const inFlight = new Set<Promise<void>>();

  const failed = (connection: Connection, frame: ClientFrame) => (error: unknown) => {
    log.error("ws.handler_failed", {
      ...fields(connection),
      code: "internal",
      frame: frame.type,
      error: String(error),
    });
    metrics.errors.record("internal", `${frame.type} failed: ${String(error)}`);
    connection.sendError("internal", "the server failed to handle this frame", {
      ...(frame.ref === undefined ? {} : { ref: frame.ref }),
    });
  };

  const track = (handled: Promise<void>) => {
    inFlight.add(handled);
    handled.finally(() => inFlight.delete(handled));
  };

  /**
   * Frames of a connection are handled one at a time, in order, with one
   * exception: a `send` starts once the sends before it have started, not
   * finished. Each `send` queues its commit before its first wait, so the log
   * still takes them in order (and acks them in order per room), but a burst of
   * sends that arrived together becomes one commit instead of one each. Any
   * other frame waits for everything before it.
   */
  const enqueue = (connection: Connection, frame: ClientFrame, receivedAt: number) => {
    if (frame.type !== "send") {
      const handled = connection.inbox.then(() => handle(connection, frame, receivedAt))
        .catch(failed(connection, frame));
      connection.inbox = handled;
      connection.sendGate = handled;
      track(handled);
      return;
    }
    let handled: Promise<void> | undefined;
    const started = connection.sendGate.then(() => {
      handled = handle(connection, frame, receivedAt).catch(failed(connection, frame));
    });
    const done = started.then(() => handled);
    connection.inbox = Promise.all([connection.inbox, done]).then(() => {});
    connection.sendGate = started;
    track(done);
  };

  /** Charges a frame to the rate limit; false (after answering) if it is refused. */
  const admitFrame = (connection: Connection, ref: string | undefined): boolean => {
    const verdict = connection.rateLimit.check();
    if (verdict.allowed) return true;
    metrics.rateLimited.inc();
    if (verdict.abusive) {
      log.warn("ws.rate_abuse", { ...fields(connection), code: CloseCode.RATE_LIMITED });
      closeWith(connection, CloseCode.RATE_LIMITED, "rate limit exceeded for too long");
      return false;
    }
    log.warn("ws.rate_limited", { ...fields(connection), code: "rate_limited" });
    connection.sendError("rate_limited", "too many frames; slow down", {
      retryAfterMs: verdict.retryAfterMs,
      ...(ref === undefined ? {} : { ref }),
    });
    return false;
  };

  const receiveFrame = (connection: Connection, data: unknown) => {
    const receivedAt = clock.now();
    connection.lastSeenAt = receivedAt;

    if (typeof data !== "string") {
      metrics.framesReceived.labels("other").inc();
      if (binarySize(data) > config.maxFrameBytes) {
        closeWith(connection, CloseCode.TOO_BIG, "frame too big");
      } else if (admitFrame(connection, undefined)) {
        log.warn("ws.bad_frame", { ...fields(connection), code: "bad_frame", field: "" });
        connection.sendError("bad_frame", "binary frames are not accepted; send JSON text");
      }
      return;
    }
    if (isTooBig(data, config.maxFrameBytes)) {
      metrics.framesReceived.labels("other").inc();
      closeWith(connection, CloseCode.TOO_BIG, "frame too big");
      return;
    }

    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
      metrics.framesReceived.labels("other").inc();
      if (!admitFrame(connection, parsed.error.ref)) return;
      log.warn("ws.bad_frame", {
        ...fields(connection),
        code: "bad_frame",
        field: parsed.error.field,
      });
      connection.sendError("bad_frame", parsed.error.message, {
        ...(parsed.error.ref === undefined ? {} : { ref: parsed.error.ref }),
      });
      return;
    }
    const frame = parsed.frame;
    metrics.framesReceived.labels(frame.type).inc();
    if (frame.type !== "ping" && frame.type !== "pong" && !admitFrame(connection, frame.ref)) {
      return;
    }
    enqueue(connection, frame, receivedAt);
  };

  /** One bad frame must cost its connection at most: a failure here closes that socket only. */
  const receive = (connection: Connection, data: unknown) => {
    if (connection.state !== "open") return;
    try {
      receiveFrame(connection, data);
    } catch (error) {
      log.error("ws.receive_failed", {
        ...fields(connection),
        code: "internal",
        error: String(error),
      });
      metrics.errors.record("internal", `a received frame failed: ${String(error)}`);
      closeWith(connection, CloseCode.SERVER_ERROR, "server error");
    }
  };

  const refuse = (refusal: LimitRefusal, message: string): Refused<LimitRefusal> => {
    metrics.handshakesRefused.labels(refusal).inc();
    return { ok: false, refusal, message };
  };

  const admit = ({ user, address }: Admission): Refused<LimitRefusal> | undefined => {
    if (!accepting) return refuse("draining", "server restarting");
    if ((byUser.get(user.id)?.size ?? 0) >= config.maxConnectionsPerUser) {
      log.warn("ws.rejected", { user: user.id, reason: "user_limit" });
      return refuse("user_limit", "too many connections for this user");
    }
    if ((byAddress.get(address)?.size ?? 0) >= config.maxConnectionsPerAddress) {
      log.warn("ws.rejected", { user: user.id, address, reason: "address_limit" });
      return refuse("address_limit", "too many connections from this address");
    }
    return undefined;
  };

  const attach = (
    socket: ConnectionSocket,
    admission: Admission,
    transport: Transport,
  ): Connection | undefined => {
    const { user, address } = admission;
    const refused = admit(admission);
    if (refused) {
      socket.close(REFUSAL_CLOSE_CODES[refused.refusal], refused.message);
      return undefined;
    }
    if (socket instanceof WebSocket) socket.binaryType = "arraybuffer";
    const now = clock.now();
    const connection = new Connection({
      socket,
      transport,
      metrics,
      session: crypto.randomUUID(),
      user,
      address,
      tokenExpiresAt: admission.tokenExpiresAt,
      loginId: admission.loginId,
      maxBacklogBytes: config.slowConsumerBytes,
      log,
      rateLimit: createFrameRateLimit({
        burst: config.rateBurst,
        perSecond: config.ratePerSecond,
        abuseFactor: config.rateAbuseFactor,
        abuseWindowMs: config.rateAbuseWindowMs,
        clock,
      }),
      now,
    });
    connections.add(connection);
    sessions.set(connection.session, connection);
    addTo(byUser, user.id, connection);
    addTo(byAddress, address, connection);
    metrics.connectionsOpened.labels(transport).inc();
    metrics.connectionsOpen.labels(transport).inc();
    metrics.usersOnline.set(byUser.size);
    log.info("ws.open", fields(connection));
    connection.send({
      type: "hello",
      v: VERSION,
      session: connection.session,
      user,
      server_time: now,
      heartbeat_ms: config.heartbeatMs,
      token_expires_at: admission.tokenExpiresAt,
      limits: {
        max_frame_bytes: config.maxFrameBytes,
        max_text_chars: config.maxTextChars,
        rate: { burst: config.rateBurst, per_second: config.ratePerSecond },
      },
      features: [...FEATURES],
      instance,
    });
    return connection;
  };

  const detach = (connection: Connection, code: number) => {
    if (!connections.delete(connection)) return;
    sessions.delete(connection.session);
    removeFrom(byUser, connection.user.id, connection);
    removeFrom(byAddress, connection.address, connection);
    connection.markClosed();
    statusFeed.unsubscribe(connection);
    metrics.connectionsClosed.labels(code).inc();
    metrics.connectionsOpen.labels(connection.transport).dec();
    metrics.usersOnline.set(byUser.size);
    log.info("ws.close", { ...fields(connection), code });
    // The room layer's failure must not keep the socket loop from cleaning up.
    Promise.resolve().then(() => rooms.disconnect(connection)).catch((error) =>
      log.error("ws.disconnect_failed", { ...fields(connection), error: String(error) })
    );
  };

  /** Waits for every connection to close, or for `ms` to pass. */
  const waitForClosed = (ms: number) => {
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = clock.setTimeout(resolve, ms);
    Promise.all([...connections].map((connection) => connection.closed)).then(() => resolve());
    return promise.finally(() => clock.clearTimeout(timer));
  };

  return {
    connections,
    get accepting() {
      return accepting;
    },
    admit,
    attach,
    session: (id) => sessions.get(id),
    receive,
    detach,
    kick(userId) {
      let closed = 0;
      for (const connection of [...byUser.get(userId) ?? []]) {
        if (connection.state !== "open") continue;
        connection.sendError("forbidden", "disconnected by an administrator", {
          recoverable: false,
        });
        closeWith(connection, CloseCode.FORBIDDEN, "kicked");
        closed++;
      }
      return closed;
    },
    closeLogin(loginId) {
      let closed = 0;
      for (const connection of connections) {
        if (connection.state !== "open" || connection.loginId !== loginId) continue;
        connection.sendError("unauthorized", "signed out", { recoverable: false });
        closeWith(connection, CloseCode.UNAUTHORIZED, "signed out");
        closed++;
      }
      return closed;
    },
    drain() {
      draining ??= (async () => {
        accepting = false;
        log.info("server.draining", { count: connections.size });
        for (const connection of connections) {
          connection.send({
            type: "reconnect",
            after_ms: Math.floor(random() * config.drainSpreadMs),
            reason: "server restarting",
          });
          connection.close(CloseCode.RESTARTING, "server restarting");
        }
        await waitForClosed(config.drainTimeoutMs);
        clock.clearInterval(sweepTimer);
        log.flush();
      })();
      return draining;
    },
    async close() {
      accepting = false;
      clock.clearInterval(sweepTimer);
      for (const connection of connections) {
        connection.close(CloseCode.GOING_AWAY, "server shutting down");
      }
      await waitForClosed(config.drainTimeoutMs);
      // A frame received before its socket closed may still be committing: let it finish
      // while the store is open, so its sender either got the ack or will resend.
      await Promise.all(inFlight);
      await rooms.close?.();
      log.flush();
    },
  };
}

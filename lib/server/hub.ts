/**
 * The hub: every live connection of this isolate, the socket loop that turns
 * raw inbound data into handled frames, and the one timer that sweeps all
 * connections for heartbeats, token expiry and slow consumers.
 *
 * Inbound, in order: any data counts as a sign of life; a frame over
 * `max_frame_bytes` closes the socket (1009); a binary or malformed frame gets
 * `error` `bad_frame`; every frame but `ping`/`pong` is charged to the rate
 * limit; valid frames are handled one at a time per connection, room frames by
 * the {@linkcode RoomHandler}.
 *
 * @example
 * ```ts
 * const hub = createHub({ config, clock, random, log, instance, rooms, tokens });
 * const connection = hub.attach(socket, { user, tokenExpiresAt, address });
 * ```
 */
import type { Clock, TimerId } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { CloseCode } from "../protocol/codes.ts";
import type { ClientFrame, ClientFrameOf, SessionUser } from "../protocol/frames.ts";
import { parseClientFrame } from "../protocol/parse.ts";
import { FEATURES, VERSION } from "../protocol/version.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { TokenIssuer } from "./tokens.ts";
import { Connection } from "./connection.ts";
import { createFrameRateLimit } from "./frame_rate_limit.ts";
import { ROOM_FRAME_TYPES, type RoomFrame, type RoomHandler } from "./room_handler.ts";

/** How often the sweep runs (or every heartbeat, if that is shorter). */
const SWEEP_MS = 1000;

/** A client that passed the upgrade checks. */
export interface Admission {
  user: SessionUser;
  tokenExpiresAt: number;
  address: string;
}

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
}

/** The connections of this isolate. */
export interface Hub {
  readonly connections: ReadonlySet<Connection>;
  /** False once draining or closed: no new connections. */
  readonly accepting: boolean;
  /** Registers an opened socket and sends `hello`; over a connection limit, closes it instead. */
  attach(socket: WebSocket, admission: Admission): Connection | undefined;
  /** Handles data received on a connection. Never throws. */
  receive(connection: Connection, data: unknown): void;
  /** Forgets a connection whose socket closed. */
  detach(connection: Connection, event: CloseEvent): void;
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
  const { config, clock, random, log, instance, rooms, tokens } = options;
  const connections = new Set<Connection>();
  const byUser = new Map<string, Set<Connection>>();
  const byAddress = new Map<string, Set<Connection>>();
  let accepting = true;
  let draining: Promise<void> | undefined;
  let nextPingAt = clock.now() + config.heartbeatMs;

  const fields = (connection: Connection) => ({
    session: connection.session,
    user: connection.user.id,
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
      if (connection.bufferedAmount <= config.slowConsumerBytes) {
        connection.backloggedSince = undefined;
      } else {
        connection.backloggedSince ??= now;
        if (now - connection.backloggedSince >= config.slowConsumerMs) {
          closeWith(connection, CloseCode.POLICY, "slow consumer: outbound buffer over limit");
        }
      }
    }
    if (now >= nextPingAt) {
      nextPingAt = now + config.heartbeatMs;
      const ping = JSON.stringify({ type: "ping", t: now });
      for (const connection of connections) connection.sendText(ping);
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
    connection.tokenWarned = false;
    connection.send({ type: "auth_ok", token_expires_at: result.expiresAt, ...ref });
  };

  const handle = async (connection: Connection, frame: ClientFrame) => {
    if (connection.state !== "open") return;
    switch (frame.type) {
      case "ping":
        connection.send({
          type: "pong",
          t: frame.t,
          ...(frame.ref === undefined ? {} : { ref: frame.ref }),
        });
        return;
      case "pong":
        return;
      case "auth":
        await refreshToken(connection, frame);
        return;
      default:
        if (ROOM_FRAME_TYPES.has(frame.type)) await rooms.handle(connection, frame as RoomFrame);
    }
  };

  const enqueue = (connection: Connection, frame: ClientFrame) => {
    connection.inbox = connection.inbox.then(() => handle(connection, frame)).catch((error) => {
      log.error("ws.handler_failed", {
        ...fields(connection),
        code: "internal",
        frame: frame.type,
        error: String(error),
      });
      connection.sendError("internal", "the server failed to handle this frame", {
        ...(frame.ref === undefined ? {} : { ref: frame.ref }),
      });
    });
  };

  /** Charges a frame to the rate limit; false (after answering) if it is refused. */
  const admitFrame = (connection: Connection, ref: string | undefined): boolean => {
    const verdict = connection.rateLimit.check();
    if (verdict.allowed) return true;
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

  const receive = (connection: Connection, data: unknown) => {
    if (connection.state !== "open") return;
    connection.lastSeenAt = clock.now();

    if (typeof data !== "string") {
      if (binarySize(data) > config.maxFrameBytes) {
        closeWith(connection, CloseCode.TOO_BIG, "frame too big");
      } else if (admitFrame(connection, undefined)) {
        log.warn("ws.bad_frame", { ...fields(connection), code: "bad_frame", field: "" });
        connection.sendError("bad_frame", "binary frames are not accepted; send JSON text");
      }
      return;
    }
    if (isTooBig(data, config.maxFrameBytes)) {
      closeWith(connection, CloseCode.TOO_BIG, "frame too big");
      return;
    }

    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
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
    if (frame.type !== "ping" && frame.type !== "pong" && !admitFrame(connection, frame.ref)) {
      return;
    }
    if (frame.type === "send" && frame.text.length > config.maxTextChars) {
      connection.sendError("too_large", `text: at most ${config.maxTextChars} characters`, {
        ...(frame.ref === undefined ? {} : { ref: frame.ref }),
      });
      return;
    }
    enqueue(connection, frame);
  };

  const attach = (socket: WebSocket, admission: Admission): Connection | undefined => {
    const { user, address } = admission;
    if (!accepting) {
      socket.close(CloseCode.RESTARTING, "server restarting");
      return undefined;
    }
    if ((byUser.get(user.id)?.size ?? 0) >= config.maxConnectionsPerUser) {
      log.warn("ws.rejected", { user: user.id, code: CloseCode.TOO_MANY_CONNECTIONS });
      socket.close(CloseCode.TOO_MANY_CONNECTIONS, "too many connections for this user");
      return undefined;
    }
    if ((byAddress.get(address)?.size ?? 0) >= config.maxConnectionsPerAddress) {
      log.warn("ws.rejected", { user: user.id, address, code: CloseCode.RATE_LIMITED });
      socket.close(CloseCode.RATE_LIMITED, "too many connections from this address");
      return undefined;
    }
    socket.binaryType = "arraybuffer";
    const now = clock.now();
    const connection = new Connection({
      socket,
      session: crypto.randomUUID(),
      user,
      address,
      tokenExpiresAt: admission.tokenExpiresAt,
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
    addTo(byUser, user.id, connection);
    addTo(byAddress, address, connection);
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

  const detach = (connection: Connection, event: CloseEvent) => {
    if (!connections.delete(connection)) return;
    removeFrom(byUser, connection.user.id, connection);
    removeFrom(byAddress, connection.address, connection);
    connection.markClosed();
    log.info("ws.close", { ...fields(connection), code: event.code });
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
    attach,
    receive,
    detach,
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
      await rooms.close?.();
      log.flush();
    },
  };
}

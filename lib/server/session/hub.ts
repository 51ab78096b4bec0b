/**
 * The hub: every live connection of this instance, and the limits on them
 * (per user and per address, counted over the cluster: `connection_counts.ts`). It
 * attaches a socket that passed the admission (`admission.ts`) and sends it
 * `hello`, takes what the socket receives through the inbound pipeline
 * (`inbound.ts`: size, validation, rate limit, order), answers the frames about
 * the session itself (`session_frames.ts`) and hands room frames whole to the
 * {@linkcode RoomHandler}. One timer sweeps every connection for heartbeats and
 * token expiry (`sweep.ts`). A slow consumer is closed by its connection, at the
 * first frame that would queue over the bound.
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
import type { Clock } from "../../time/clock.ts";
import type { Random } from "../../time/random.ts";
import { CloseCode } from "../../protocol/codes.ts";
import { type ClientFrame, isRoomFrame, type ServerFrame } from "../../protocol/frames.ts";
import { FEATURES, VERSION } from "../../protocol/version.ts";
import type { TokenIssuer } from "../auth/mod.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { SwitchboardMetrics, Transport } from "../metrics/mod.ts";
import type { KeyedShares } from "../cluster/mod.ts";
import type { RoomHandler } from "../rooms/mod.ts";
import {
  type Admission,
  type LimitRefusal,
  REFUSAL_CLOSE_CODES,
  type Refused,
} from "./admission.ts";
import { Connection, type ConnectionSocket } from "./connection.ts";
import { addressKey, createConnectionCounts, userKey } from "./connection_counts.ts";
import { createFrameRateLimit } from "./frame_rate_limit.ts";
import { createInbound } from "./inbound.ts";
import { createSessionFrames } from "./session_frames.ts";
import type { StatusFeed } from "./status_feed.ts";
import { startSweep } from "./sweep.ts";

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
  /**
   * The cluster's connection counts (`connectionShares`), so the per-user and
   * per-address limits hold over every instance. Default: this instance's only.
   */
  connections?: KeyedShares<number>;
  /** What `hello.features` lists. Default {@linkcode FEATURES}. */
  features?: readonly string[];
}

/** The separator between the instance and the rest of a session id. */
const SESSION_OWNER_SEPARATOR = ".";

/**
 * The instance that holds a session, as its id says (`<instance>.<uuid>`), so
 * a fallback POST that lands elsewhere goes straight to it.
 *
 * @example
 * ```ts
 * sessionOwner("a1b2c3d4e5f6.3f2c9e1a-…"); // "a1b2c3d4e5f6"
 * sessionOwner("garbage"); // undefined
 * ```
 */
export function sessionOwner(session: string): string | undefined {
  const at = session.indexOf(SESSION_OWNER_SEPARATOR);
  return at > 0 && at <= 64 ? session.slice(0, at) : undefined;
}

/** The connections of this isolate, and the limits on them. */
export interface Hub {
  readonly connections: ReadonlySet<Connection>;
  /** False once draining or closed: no new connections. */
  readonly accepting: boolean;
  /**
   * Whether a client may start a session now (draining, per-user and
   * per-address limits over every instance). A refusal is counted and logged.
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
  /**
   * The same for every open connection of `userId` but those of the sign-in
   * `exceptLogin` (the account's password changed there); returns how many.
   */
  closeAccount(userId: string, exceptLogin: string | null): number;
  /**
   * Sends `frame` to every open connection of `userId` on this isolate (those
   * `only` accepts, if given); returns to how many.
   */
  sendToUser(
    userId: string,
    frame: ServerFrame,
    only?: (connection: Connection) => boolean,
  ): number;
  /** Sends every client `reconnect`, closes them with 1012, and waits (bounded) for them to go. */
  drain(): Promise<void>;
  /** Stops the sweep and closes every socket with 1001. */
  close(): Promise<void>;
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
  const features = [...options.features ?? FEATURES];
  const counts = createConnectionCounts(options.connections);
  const connections = new Set<Connection>();
  const sessions = new Map<string, Connection>();
  const byUser = new Map<string, Set<Connection>>();
  let accepting = true;
  let draining: Promise<void> | undefined;

  /** Closes a connection for cause, saying why in the log. */
  const closeWith = (connection: Connection, code: number, reason: string) => {
    log.info("ws.closing", { ...connection.logFields, code, reason });
    connection.close(code, reason);
  };

  const sweep = startSweep({ connections, config, clock, metrics, closeWith });
  const answerSessionFrame = createSessionFrames({ tokens, metrics, statusFeed, closeWith });
  const inbound = createInbound({
    config,
    clock,
    log,
    metrics,
    closeWith,
    // Room frames go to the room layer whole; the hub answers the frames about the session.
    async handle(connection: Connection, frame: ClientFrame, receivedAt: number) {
      if (connection.state !== "open") return;
      if (isRoomFrame(frame)) await rooms.handle(connection, frame, receivedAt);
      else await answerSessionFrame(connection, frame, receivedAt);
    },
  });

  const refuse = (refusal: LimitRefusal, message: string): Refused<LimitRefusal> => {
    metrics.handshakesRefused.labels(refusal).inc();
    return { ok: false, refusal, message };
  };

  const admit = ({ user, address }: Admission): Refused<LimitRefusal> | undefined => {
    if (!accepting) return refuse("draining", "server restarting");
    if (counts.total(userKey(user.id)) >= config.maxConnectionsPerUser) {
      log.warn("ws.rejected", { user: user.id, reason: "user_limit" });
      return refuse("user_limit", "too many connections for this user");
    }
    if (counts.total(addressKey(address)) >= config.maxConnectionsPerAddress) {
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
      session: `${instance}${SESSION_OWNER_SEPARATOR}${crypto.randomUUID()}`,
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
    counts.add(userKey(user.id));
    counts.add(addressKey(address));
    metrics.connectionsOpened.labels(transport).inc();
    metrics.connectionsOpen.labels(transport).inc();
    metrics.usersOnline.set(byUser.size);
    log.info("ws.open", connection.logFields);
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
      features,
      instance,
    });
    return connection;
  };

  const detach = (connection: Connection, code: number) => {
    if (!connections.delete(connection)) return;
    sessions.delete(connection.session);
    removeFrom(byUser, connection.user.id, connection);
    counts.remove(userKey(connection.user.id));
    counts.remove(addressKey(connection.address));
    connection.markClosed();
    statusFeed.unsubscribe(connection);
    metrics.connectionsClosed.labels(code).inc();
    metrics.connectionsOpen.labels(connection.transport).dec();
    metrics.usersOnline.set(byUser.size);
    log.info("ws.close", { ...connection.logFields, code });
    // The room layer's failure must not keep the socket loop from cleaning up.
    Promise.resolve().then(() => rooms.disconnect(connection)).catch((error) =>
      log.error("ws.disconnect_failed", { ...connection.logFields, error: String(error) })
    );
  };

  /** Tells each open connection of `signedOut` that its sign-in is over, and closes it with 4401. */
  const signOut = (signedOut: Connection[]) => {
    let closed = 0;
    for (const connection of signedOut) {
      if (connection.state !== "open") continue;
      connection.sendError("unauthorized", "signed out", { recoverable: false });
      closeWith(connection, CloseCode.UNAUTHORIZED, "signed out");
      closed++;
    }
    return closed;
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
    receive: inbound.receive,
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
      return signOut([...connections].filter((connection) => connection.loginId === loginId));
    },
    closeAccount(userId, exceptLogin) {
      const others = [...byUser.get(userId) ?? []]
        .filter((connection) => exceptLogin === null || connection.loginId !== exceptLogin);
      return signOut(others);
    },
    sendToUser(userId, frame, only) {
      let sent = 0;
      for (const connection of byUser.get(userId) ?? []) {
        if (connection.state !== "open" || (only && !only(connection))) continue;
        connection.send(frame);
        sent++;
      }
      return sent;
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
        sweep.stop();
        log.flush();
      })();
      return draining;
    },
    async close() {
      accepting = false;
      sweep.stop();
      for (const connection of connections) {
        connection.close(CloseCode.GOING_AWAY, "server shutting down");
      }
      await waitForClosed(config.drainTimeoutMs);
      // A frame received before its socket closed may still be committing: let it finish
      // while the store is open, so its sender either got the ack or will resend.
      await inbound.settled();
      await rooms.close?.();
      log.flush();
    },
  };
}

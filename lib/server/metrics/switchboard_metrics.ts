/**
 * The Switchboard metric set, defined in one place: every name, help text,
 * label and bucket the hub reports, as typed handles. The hub calls them on
 * the hot path (`inc`, `observe`, `labels(value)` allocate nothing); routes
 * render the registry for `/metrics`; the snapshot publisher calls
 * {@linkcode SwitchboardMetrics.snapshot} to tell the other isolates.
 *
 * @example
 * ```ts
 * const identity = createIsolateIdentity({ clock, version: "1.0.0", buildId: "dev" });
 * const metrics = createSwitchboardMetrics({ clock, identity });
 * metrics.connectionsOpened.labels("websocket").inc();
 * metrics.connectionsOpen.labels("websocket").inc();
 * metrics.commitLatency.observe(4);
 * ```
 */
import { ClientFrame, ServerFrame } from "../../protocol/frames.ts";
import { CloseCode, ERROR_CODES, type ErrorCode } from "../../protocol/codes.ts";
import type { ClientFrameType, ServerFrameType } from "../../protocol/frames.ts";
import type { Clock } from "../../time/clock.ts";
import type { Counter } from "./counter.ts";
import type { Gauge } from "./gauge.ts";
import { type Histogram, LATENCY_BUCKETS_MS } from "./histogram.ts";
import type { IsolateIdentity } from "./identity.ts";
import type { Labeled } from "./labeled.ts";
import { createRecentErrors, type RecentErrors } from "./recent_errors.ts";
import { createRegistry, type Registry, type RegistrySnapshot } from "./registry.ts";
import { createRoomActivity, type RoomActivity } from "./room_activity.ts";
import { type IsolateSnapshot, seriesTotal, windowBetween } from "./snapshot.ts";

/** How a client is connected: a WebSocket, or the fallback event stream. */
export const TRANSPORTS = ["websocket", "sse"] as const;
export type Transport = typeof TRANSPORTS[number];

/** Why a handshake was refused before a session started. */
export const REFUSAL_REASONS = [
  "not_websocket",
  "origin",
  "version",
  "auth",
  "user_limit",
  "address_limit",
  "draining",
] as const;
export type RefusalReason = typeof REFUSAL_REASONS[number];

/** Why a TCP connection was closed before it was served: over a cap at accept, or too slow a request. */
export const TCP_DROP_REASONS = ["capacity", "address_limit", "timeout"] as const;
export type TcpDropReason = typeof TCP_DROP_REASONS[number];

/** How a `join` with `since` went: every missed message replayed, or only the newest page. */
export const RECONNECT_OUTCOMES = ["resumed", "reset"] as const;
export type ReconnectOutcome = typeof RECONNECT_OUTCOMES[number];

/**
 * Close codes counted by name: the contract's, plus 1005 and 1006 which
 * browsers report when a peer closes without a code or the link just drops.
 */
export const TRACKED_CLOSE_CODES: readonly number[] = [
  ...Object.values(CloseCode),
  1005,
  1006,
];

const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = ClientFrame.options.map(
  (frame) => frame.shape.type.value,
);
const SERVER_FRAME_TYPES: readonly ServerFrameType[] = ServerFrame.options.map(
  (frame) => frame.shape.type.value,
);

/** Every Switchboard metric's name, by the handle that reports it. */
export const METRIC_NAMES = {
  connectionsOpen: "switchboard_connections_open",
  connectionsOpened: "switchboard_connections_opened_total",
  connectionsClosed: "switchboard_connections_closed_total",
  handshakesRefused: "switchboard_handshakes_refused_total",
  tcpConnectionsDropped: "switchboard_tcp_connections_dropped_total",
  framesReceived: "switchboard_frames_received_total",
  framesSent: "switchboard_frames_sent_total",
  messagesCommitted: "switchboard_messages_committed_total",
  fanoutDeliveries: "switchboard_fanout_deliveries_total",
  errorsSent: "switchboard_errors_sent_total",
  rateLimited: "switchboard_rate_limited_total",
  slowConsumerCloses: "switchboard_slow_consumer_closes_total",
  reconnects: "switchboard_reconnects_total",
  usersOnline: "switchboard_users_online",
  roomsActive: "switchboard_rooms_active",
  kvUp: "switchboard_kv_up",
  draining: "switchboard_draining",
  commitLatency: "switchboard_commit_latency_ms",
  fanoutLatency: "switchboard_fanout_latency_ms",
  deliveryLatency: "switchboard_delivery_latency_ms",
  heartbeatRtt: "switchboard_heartbeat_rtt_ms",
  memoryRssBytes: "switchboard_memory_rss_bytes",
  memoryHeapUsedBytes: "switchboard_memory_heap_used_bytes",
  uptimeSeconds: "switchboard_uptime_seconds",
  buildInfo: "switchboard_build_info",
} as const;

/** Where process memory comes from; `Deno.memoryUsage` outside tests. */
export type MemoryUsage = () => { rss: number; heapUsed: number };

/** Options of {@linkcode createSwitchboardMetrics}. */
export interface SwitchboardMetricsOptions {
  clock: Clock;
  identity: IsolateIdentity;
  memoryUsage?: MemoryUsage;
  /** How many recent errors the admin view shows. Default 20. */
  recentErrors?: number;
  /** How many of this isolate's busiest rooms a snapshot carries. Default 20. */
  busyRooms?: number;
}

/** The handles the hub reports through, and the isolate's snapshot. */
export interface SwitchboardMetrics {
  readonly identity: IsolateIdentity;
  readonly registry: Registry;
  readonly connectionsOpen: Labeled<Gauge, Transport>;
  readonly connectionsOpened: Labeled<Counter, Transport>;
  readonly connectionsClosed: Labeled<Counter, number>;
  readonly handshakesRefused: Labeled<Counter, RefusalReason>;
  /** TCP connections closed before they were served (the guarded server only). */
  readonly tcpConnectionsDropped: Labeled<Counter, TcpDropReason>;
  readonly framesReceived: Labeled<Counter, ClientFrameType>;
  readonly framesSent: Labeled<Counter, ServerFrameType>;
  readonly messagesCommitted: Counter;
  readonly fanoutDeliveries: Counter;
  readonly errorsSent: Labeled<Counter, ErrorCode>;
  readonly rateLimited: Counter;
  readonly slowConsumerCloses: Counter;
  readonly reconnects: Labeled<Counter, ReconnectOutcome>;
  readonly usersOnline: Gauge;
  readonly roomsActive: Gauge;
  /** 1 while the store answers, 0 after it failed; starts at 1. */
  readonly kvUp: Gauge;
  /** 1 once the isolate drains. */
  readonly draining: Gauge;
  readonly commitLatency: Histogram;
  readonly fanoutLatency: Histogram;
  readonly deliveryLatency: Histogram;
  readonly heartbeatRtt: Histogram;
  /** Messages per room, for the busiest rooms. */
  readonly rooms: RoomActivity;
  /** The newest errors, for the admin view. */
  readonly errors: RecentErrors;
  /**
   * This isolate's report for the cluster. Each call closes a window (rates,
   * recent latencies, busiest rooms), so exactly one caller takes snapshots:
   * the snapshot publisher.
   */
  snapshot(options: { ttlMs: number }): IsolateSnapshot;
}

/** Creates the Switchboard metric set of one isolate. */
export function createSwitchboardMetrics(options: SwitchboardMetricsOptions): SwitchboardMetrics {
  const { clock, identity } = options;
  const memoryUsage = options.memoryUsage ?? (() => Deno.memoryUsage());
  const busyRooms = options.busyRooms ?? 20;
  const registry = createRegistry();

  const connectionsOpen = registry.gauge({
    name: METRIC_NAMES.connectionsOpen,
    help: "Client connections open now, by transport (sse is the fallback transport).",
    label: "transport",
    values: TRANSPORTS,
  });
  const connectionsOpened = registry.counter({
    name: METRIC_NAMES.connectionsOpened,
    help: "Sessions started (hello sent), by transport; sse counts fallback sessions.",
    label: "transport",
    values: TRANSPORTS,
  });
  const connectionsClosed = registry.counter({
    name: METRIC_NAMES.connectionsClosed,
    help: "Sessions ended, by WebSocket close code.",
    label: "code",
    values: TRACKED_CLOSE_CODES,
  });
  const handshakesRefused = registry.counter({
    name: METRIC_NAMES.handshakesRefused,
    help: "Connection attempts refused before a session started, by reason.",
    label: "reason",
    values: REFUSAL_REASONS,
  });
  const tcpConnectionsDropped = registry.counter({
    name: METRIC_NAMES.tcpConnectionsDropped,
    help: "TCP connections closed before they were served, by reason: capacity and " +
      "address_limit at accept, timeout for a request head or body that came too slowly.",
    label: "reason",
    values: TCP_DROP_REASONS,
  });
  const framesReceived = registry.counter({
    name: METRIC_NAMES.framesReceived,
    help: "Client frames received, by type; other counts frames that did not parse.",
    label: "type",
    values: CLIENT_FRAME_TYPES,
  });
  const framesSent = registry.counter({
    name: METRIC_NAMES.framesSent,
    help: "Server frames sent, by type.",
    label: "type",
    values: SERVER_FRAME_TYPES,
  });
  const messagesCommitted = registry.counter({
    name: METRIC_NAMES.messagesCommitted,
    help: "Room messages committed to the store by this isolate.",
  });
  const fanoutDeliveries = registry.counter({
    name: METRIC_NAMES.fanoutDeliveries,
    help: "Room messages written to local sockets (one per socket).",
  });
  const errorsSent = registry.counter({
    name: METRIC_NAMES.errorsSent,
    help: "Error frames sent, by error code.",
    label: "code",
    values: ERROR_CODES,
  });
  const rateLimited = registry.counter({
    name: METRIC_NAMES.rateLimited,
    help: "Client frames refused by the per-connection rate limit.",
  });
  const slowConsumerCloses = registry.counter({
    name: METRIC_NAMES.slowConsumerCloses,
    help: "Connections closed because their outbound buffer stayed full.",
  });
  const reconnects = registry.counter({
    name: METRIC_NAMES.reconnects,
    help: "Joins with since, by outcome: resumed (every missed message) or reset (newest page).",
    label: "outcome",
    values: RECONNECT_OUTCOMES,
  });
  const usersOnline = registry.gauge({
    name: METRIC_NAMES.usersOnline,
    help: "Distinct users with at least one connection on this isolate.",
  });
  const roomsActive = registry.gauge({
    name: METRIC_NAMES.roomsActive,
    help: "Rooms with at least one member on this isolate.",
  });
  const kvUp = registry.gauge({
    name: METRIC_NAMES.kvUp,
    help: "1 while the store answers, 0 after a store operation failed.",
  });
  kvUp.set(1);
  const draining = registry.gauge({
    name: METRIC_NAMES.draining,
    help: "1 while this isolate drains its connections before stopping.",
  });
  const commitLatency = registry.histogram({
    name: METRIC_NAMES.commitLatency,
    help: "Milliseconds from receiving a send frame to the message being committed.",
    buckets: LATENCY_BUCKETS_MS,
  });
  const fanoutLatency = registry.histogram({
    name: METRIC_NAMES.fanoutLatency,
    help: "Milliseconds from a message's commit to its write to the last local socket.",
    buckets: LATENCY_BUCKETS_MS,
  });
  const deliveryLatency = registry.histogram({
    name: METRIC_NAMES.deliveryLatency,
    help: "Milliseconds from receiving a send frame to the sender isolate's last local write.",
    buckets: LATENCY_BUCKETS_MS,
  });
  const heartbeatRtt = registry.histogram({
    name: METRIC_NAMES.heartbeatRtt,
    help: "Milliseconds from a server ping to the client's pong.",
    buckets: LATENCY_BUCKETS_MS,
  });
  registry.gauge({
    name: METRIC_NAMES.memoryRssBytes,
    help: "Resident set size of the process.",
    collect: () => memoryUsage().rss,
  });
  registry.gauge({
    name: METRIC_NAMES.memoryHeapUsedBytes,
    help: "V8 heap in use by this isolate.",
    collect: () => memoryUsage().heapUsed,
  });
  registry.gauge({
    name: METRIC_NAMES.uptimeSeconds,
    help: "Seconds since this isolate started.",
    collect: () => (clock.now() - identity.started_at) / 1000,
  });
  registry.info({
    name: METRIC_NAMES.buildInfo,
    help: "The running build; always 1.",
    labels: {
      version: identity.version,
      build_id: identity.build_id,
      deno_version: identity.deno_version,
    },
  });

  const rooms = createRoomActivity();
  const errors = createRecentErrors({ clock, capacity: options.recentErrors });
  let previous: { at: number; metrics: RegistrySnapshot } | null = null;

  return {
    identity,
    registry,
    connectionsOpen,
    connectionsOpened,
    connectionsClosed,
    handshakesRefused,
    tcpConnectionsDropped,
    framesReceived,
    framesSent,
    messagesCommitted,
    fanoutDeliveries,
    errorsSent,
    rateLimited,
    slowConsumerCloses,
    reconnects,
    usersOnline,
    roomsActive,
    kvUp,
    draining,
    commitLatency,
    fanoutLatency,
    deliveryLatency,
    heartbeatRtt,
    rooms,
    errors,
    snapshot({ ttlMs }) {
      const now = clock.now();
      const current = registry.snapshot();
      const since = previous?.at ?? identity.started_at;
      const window = windowBetween(current, previous?.metrics ?? null, now - since);
      previous = { at: now, metrics: current };
      return {
        isolate: { ...identity },
        taken_at: now,
        ttl_ms: ttlMs,
        state: draining.value === 1 ? "draining" : "running",
        kv_ok: kvUp.value === 1,
        // Clamped so a miscounting caller cannot make peers refuse this isolate's report.
        connections: Math.max(0, seriesTotal(current.gauges[METRIC_NAMES.connectionsOpen])),
        users: Math.max(0, usersOnline.value),
        rooms: Math.max(0, roomsActive.value),
        memory: {
          rss_bytes: seriesTotal(current.gauges[METRIC_NAMES.memoryRssBytes]),
          heap_used_bytes: seriesTotal(current.gauges[METRIC_NAMES.memoryHeapUsedBytes]),
        },
        metrics: current,
        window,
        busy_rooms: rooms.take(busyRooms),
        recent_errors: errors.list(),
      };
    },
  };
}

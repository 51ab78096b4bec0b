/**
 * Everything the server runs on, built once at start from the config: the
 * cluster plane (`cluster/`: the engine `CLUSTER` chose, through which
 * everything that spans instances goes), the logger, JWT signing, the account
 * endpoints, the hub, the WebSocket route and the fallback transport, the
 * metrics (shared with the other instances every few seconds), the status
 * history (recorded by one instance at a time), the status, metrics and
 * readiness endpoints, and the admin tools. `server.ts` puts the result in
 * every request's state.
 *
 * @example
 * ```ts
 * const config = loadConfig(Deno.env.toObject());
 * const storage = await openStorage(config, Deno.env.toObject(), { clock: createSystemClock() });
 * const services = await createServices(config, { storage, buildId: "3f2c9e1" });
 * app.ws("/api/ws", services.socketRoute);
 * Deno.addSignalListener("SIGTERM", () => services.drain().then(() => Deno.exit(0)));
 * ```
 */
import { type Clock, createSystemClock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import type { ConfigResponse } from "../protocol/http.ts";
import { FEATURES, PROTOCOL, VERSIONS } from "../protocol/version.ts";
import { type Cluster, createCluster, newInstanceId } from "./cluster/mod.ts";
import type { Config } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import {
  type Auth,
  createAuth,
  createSignOuts,
  createTokenIssuer,
  createUserLookup,
  resolveJwtSecrets,
  type TokenIssuer,
  type UserLookup,
} from "./auth/mod.ts";
import { createAccounts, resolveAdminUsers } from "./accounts/mod.ts";
import type { Storage } from "./storage.ts";
import {
  connectionShares,
  createFallback,
  createHub,
  createSessionAdmission,
  createSocketRoute,
  createStatusFeed,
  createUserNotices,
  type Fallback,
  type Hub,
  type SocketData,
} from "./session/mod.ts";
import {
  createGuestMembershipSweep,
  createMembershipEvents,
  createRoomLayer,
  GUEST_MEMBERSHIPS_LEASE,
  type GuestMembershipSweep,
  type RoomService,
} from "./rooms/mod.ts";
import type { WsHandlers } from "../framework/ws.ts";
import { createClientAddress } from "./http/mod.ts";
import { createSearchIndexer, type SearchIndexer } from "./search/mod.ts";
import type { MessageStore } from "./store/mod.ts";
import { type Admin, createAdmin, createOpsEndpoints, type OpsEndpoints } from "./ops/mod.ts";
import {
  createRangeReports,
  createStatusRecorder,
  type RangeReports,
  type StatusHistoryStore,
  type StatusRecorder,
} from "./status_history/mod.ts";
import {
  buildStatusDetail,
  buildStatusSummary,
  type ClusterView,
  createClusterView,
  createIsolateIdentity,
  createSnapshotPublisher,
  createSwitchboardMetrics,
  IsolateSnapshot,
  type SnapshotPublisher,
  type SwitchboardMetrics,
} from "./metrics/mod.ts";

/** The application's version, as `/api/status` and `switchboard_build_info` report it. */
export const APP_VERSION = "1.0.0";

/** How often each instance publishes its metrics snapshot, and status subscribers get a frame. */
export const METRICS_INTERVAL_MS = 5_000;

/** The cluster's shares the metrics snapshots travel in, one per instance under `snapshot`. */
export const METRICS_SPACE = "metrics";

/** How often guests' memberships are swept for guests who are gone. */
const GUEST_SWEEP_INTERVAL_MS = 60_000;

/** The lease that elects the instance writing the status history. */
export const STATUS_HISTORY_LEASE = "status_history";

/** The status history's parts. */
export interface StatusHistoryServices {
  store: StatusHistoryStore;
  /** Samples at each snapshot tick; writes while it holds the lease. */
  recorder: StatusRecorder;
  /** The ranges `/status` and `GET /api/status?range=` read. */
  reports: RangeReports;
}

/** The running server's parts. */
export interface Services {
  config: Config;
  /** Where everything is stored (KV or PostgreSQL). */
  storage: Storage;
  /** The KV database, when the storage is KV. */
  kv?: Deno.Kv;
  clock: Clock;
  random: Random;
  /** This instance's id, as in `hello.instance`. */
  instance: string;
  /** The cluster plane: everything that spans instances. */
  cluster: Cluster;
  log: Logger;
  tokens: TokenIssuer;
  auth: Auth;
  /** `GET /api/users?prefix=`: people by name, for signed-in callers. */
  userLookup: UserLookup;
  hub: Hub;
  /** Rooms: the durable log, fan-out, presence and typing. */
  rooms: RoomService;
  /** Ends the memberships of guests whose identity expired (one instance at a time). */
  guestMemberships: GuestMembershipSweep;
  /** The handlers of `GET /api/ws`: `app.ws("/api/ws", socketRoute)`. */
  socketRoute: WsHandlers<unknown, SocketData>;
  /** `GET /api/events` and `POST /api/send`. */
  fallback: Fallback;
  /** This isolate's metrics. */
  metrics: SwitchboardMetrics;
  /** The cluster as this isolate sees it (every isolate's latest snapshot). */
  view: ClusterView;
  /** Shares this instance's snapshot with the cluster every {@linkcode METRICS_INTERVAL_MS}. */
  publisher: SnapshotPublisher;
  statusHistory: StatusHistoryServices;
  /**
   * With the KV engine, what writes the search index from the log (its
   * `idle()` says when it caught up); null on PostgreSQL, which searches the log.
   */
  searchIndexer: SearchIndexer | null;
  /** `GET /metrics`, `GET /api/status`, `GET /readyz`. */
  ops: OpsEndpoints;
  /** `POST /api/admin/*`. */
  admin: Admin;
  /** The body of `GET /api/config`. */
  publicConfig(): ConfigResponse;
  /** Stops accepting, tells the cluster, sends `reconnect` to every client, closes them with 1012. */
  drain(): Promise<void>;
  /**
   * Stops every timer and closes every socket, telling the cluster this
   * instance is gone; the caller closes the storage it opened.
   */
  close(): Promise<void>;
  /**
   * Stops as a killed process would, for tests of what the others do then:
   * nothing more is written to the cluster (no goodbye, no lease released,
   * no last status minute), so the others find out when its heartbeat
   * expires. Its sockets are closed.
   */
  abandon(): Promise<void>;
}

/** Dependencies of {@linkcode createServices}; all but `storage` have defaults. */
export interface ServicesOptions {
  storage: Storage;
  clock?: Clock;
  random?: Random;
  instance?: string;
  log?: Logger;
  /** The build that runs, for `/api/status` and `switchboard_build_info`. Default `"dev"`. */
  buildId?: string;
  /**
   * With the local engine, isolates with the same bus namespace are one
   * cluster over a BroadcastChannel. Default: derived from the storage's
   * location (`KV_PATH`, or `DATABASE_URL` without its password), so isolates
   * on one database find each other and unrelated ones (tests in one process)
   * do not. The kv engine uses none.
   */
  busNamespace?: string;
  /** How often snapshots are shared and the status sampled. Default {@linkcode METRICS_INTERVAL_MS}. */
  metricsIntervalMs?: number;
}

/** Builds the {@linkcode Services}. */
export async function createServices(
  config: Config,
  options: ServicesOptions,
): Promise<Services> {
  const { storage } = options;
  const { kv } = storage;
  const clock = options.clock ?? createSystemClock();
  const random = options.random ?? Math.random;
  const instance = options.instance ?? newInstanceId();
  const metricsIntervalMs = options.metricsIntervalMs ?? METRICS_INTERVAL_MS;
  const log = options.log ?? createLogger({ level: config.logLevel, clock });
  log.info("storage.opened", {
    engine: storage.engine,
    location: storage.location,
    ...storage.migrated?.length ? { migrated: storage.migrated } : {},
  });
  const cluster = await createCluster({
    engine: config.cluster,
    kv,
    sql: storage.sql,
    // The local engine keeps its log, buckets and leases with everything else stored (KV or
    // PostgreSQL); the kv and postgres engines keep their own in their database.
    stores: { log: storage.messages, rateLimits: storage.rateLimits, lease: storage.lease },
    clock,
    instance,
    namespace: options.busNamespace ?? await busNamespaceFor(storage),
    expiryMs: config.clusterExpiryMs,
    log: {
      historyMax: config.roomHistoryMax,
      unusedRoomTtlMs: config.emptyRoomTtlS * 1000,
    },
    onError: (error) => log.error("cluster.error", { error: String(error) }),
  });
  log.info("cluster.started", { ...cluster.info() });
  const { events } = cluster;
  const secrets = await resolveJwtSecrets(config.jwtSecrets, storage.jwtSecret, log);
  const tokens = await createTokenIssuer({ secrets, ttlS: config.accessTokenTtlS, clock });
  const accounts = createAccounts(storage.accounts, { guestHoldMs: config.guestIdleTtlS * 1000 });
  await accounts.indexSkeletons();
  const adminUsers = await resolveAdminUsers({
    missing: storage.missingAdminNames,
    accounts,
    names: config.adminUsers,
    now: clock.now(),
  });
  if (adminUsers.granted.length > 0) log.info("admin.granted", { names: adminUsers.granted });
  for (const { name, reason } of adminUsers.ignored) {
    log.warn("admin.ignored", {
      name,
      reason,
      hint: `ADMIN_USERS only names existing accounts; run \`deno task admin grant ${name}\``,
    });
  }
  const identity = createIsolateIdentity({
    clock,
    id: instance,
    version: APP_VERSION,
    buildId: options.buildId ?? "dev",
  });
  const metrics = createSwitchboardMetrics({ clock, identity });
  const view = createClusterView({ clock, sampleIntervalMs: metricsIntervalMs });
  const indexer = createLogIndexer(storage, cluster.log, clock, log, config.roomHistoryMax);
  const roomLayer = createRoomLayer({
    cluster,
    closedRooms: storage.closedRooms,
    memberships: storage.memberships,
    readPositions: storage.readPositions,
    search: storage.search,
    onCommitted: indexer ? (room, entry) => indexer.indexCommitted(room, [entry]) : undefined,
    clock,
    config,
    onError: (error) => log.error("rooms.error", { error: String(error) }),
    metrics,
    findUser: (name) => accounts.resolve(name, clock.now()),
  });
  const rooms = roomLayer.service;
  const guestMemberships = createGuestMembershipSweep({
    memberships: storage.memberships,
    notices: createMembershipEvents(events),
    isActiveGuest: async (user, now) => (await accounts.resolve(user.name, now))?.id === user.id,
    lease: cluster.lease(GUEST_MEMBERSHIPS_LEASE, { ttlMs: 2 * GUEST_SWEEP_INTERVAL_MS }),
    clock,
    intervalMs: GUEST_SWEEP_INTERVAL_MS,
    onError: (error) => log.error("rooms.guest_sweep_failed", { error: String(error) }),
  });
  guestMemberships.start();

  const historyStore = storage.statusHistory;
  const recorder = createStatusRecorder({
    clock,
    view,
    store: historyStore,
    lease: cluster.lease(STATUS_HISTORY_LEASE),
    intervalMs: metricsIntervalMs,
    onError: (error) => log.error("status_history.failed", { error: String(error) }),
  });
  await recorder.start();
  const statusHistory: StatusHistoryServices = {
    store: historyStore,
    recorder,
    reports: createRangeReports({ store: historyStore, clock, liveHistory: view.history }),
  };
  const report = { clock, identity, activity: recorder, cluster: () => cluster.info() };
  const statusFeed = createStatusFeed({
    metrics,
    summarize: (statusView) =>
      statusView === "admin" ? buildStatusDetail(view, report) : buildStatusSummary(view, report),
  });
  const snapshots = cluster.keyedShares(METRICS_SPACE, { schema: IsolateSnapshot });
  const publisher = createSnapshotPublisher({
    clock,
    intervalMs: metricsIntervalMs,
    metrics,
    view,
    publish: (snapshot) => snapshots.set("snapshot", snapshot),
    onPublishError: (error) => log.error("metrics.publish_failed", { error: String(error) }),
    onSample: () => {
      recorder.sample();
      statusFeed.sampleTaken();
    },
  });
  const stopReceivingSnapshots = snapshots.onChange(({ value }) => {
    if (value) publisher.receive(value);
  });
  // A dead instance stops counting on /status when its heartbeat does, not when its snapshot would.
  const stopForgetting = cluster.instances.onGone((id) => view.forget(id));

  const hub = createHub({
    config,
    clock,
    random,
    log,
    instance,
    rooms,
    tokens,
    metrics,
    statusFeed,
    connections: connectionShares(cluster),
    // `cluster`: this server is one of several processes that behave as one.
    features: cluster.engine === "local" ? FEATURES : [...FEATURES, "cluster"],
  });
  const signOuts = createSignOuts({ store: storage.signedOut, clock, events, tokens, hub });
  await signOuts.load();
  const userNotices = createUserNotices({ events, hub });
  const auth = createAuth({
    config,
    refreshRecords: storage.refreshRecords,
    knownAddresses: storage.knownAddresses,
    clock,
    log,
    tokens,
    accounts,
    adminUsers,
    rateLimits: cluster.rateLimits,
    onSignedOut: signOuts.signedOut,
    onPasswordChanged: signOuts.accountSignedOut,
  });
  const userLookup = createUserLookup({ accounts, tokens, clock });
  const clientAddress = createClientAddress(config.trustProxy);
  const admit = createSessionAdmission({ config, limits: hub, tokens, metrics, log });
  const socketRoute = createSocketRoute({ config, hub, admit, clientAddress, log, metrics });
  const fallback = createFallback({
    config,
    hub,
    admit,
    tokens,
    clientAddress,
    events,
    clock,
    instance,
    instances: cluster.instances,
  });
  const ops = createOpsEndpoints({
    config,
    probe: storage.probe,
    clock,
    hub,
    tokens,
    metrics,
    view,
    activity: recorder,
    ranges: statusHistory.reports,
    cluster: () => cluster.info(),
    log,
  });
  const admin = createAdmin({
    tokens,
    hub,
    events,
    closures: roomLayer.closures,
    cluster,
    store: roomLayer.store,
    clock,
    log,
    incidents: historyStore,
  });
  publisher.start();

  const stopListening = () => {
    guestMemberships.stop();
    stopReceivingSnapshots();
    stopForgetting();
    statusFeed.close();
    fallback.close();
    admin.stop();
    signOuts.stop();
    userNotices.stop();
  };

  return {
    config,
    storage,
    kv,
    clock,
    random,
    instance,
    cluster,
    log,
    tokens,
    auth,
    userLookup,
    hub,
    rooms,
    guestMemberships,
    socketRoute,
    fallback,
    metrics,
    view,
    publisher,
    statusHistory,
    searchIndexer: indexer,
    ops,
    admin,
    publicConfig: () => ({
      protocol: PROTOCOL,
      versions: [...VERSIONS],
      endpoints: { ws: "/api/ws", events: "/api/events", send: "/api/send" },
      heartbeat_ms: config.heartbeatMs,
      limits: {
        max_frame_bytes: config.maxFrameBytes,
        max_text_chars: config.maxTextChars,
        rate: { burst: config.rateBurst, per_second: config.ratePerSecond },
        max_connections_per_user: config.maxConnectionsPerUser,
      },
      features: cluster.engine === "local" ? [...FEATURES] : [...FEATURES, "cluster"],
    }),
    async drain() {
      metrics.draining.set(1);
      publisher.publishNow();
      await hub.drain();
    },
    async close() {
      publisher.stop();
      await recorder.close();
      stopListening();
      await hub.close();
      await roomLayer.close();
      await indexer?.close();
      await cluster.close();
    },
    async abandon() {
      publisher.stop();
      await cluster.close({ goodbye: false });
      stopListening();
      await hub.close();
      await roomLayer.close();
      await indexer?.close();
    },
  };
}

/**
 * With the KV engine, the indexer that feeds the search index from the log
 * (off the ack path), first catching up, in the background, with what the
 * logs hold beyond the index (a restart, or commits of a stopped instance).
 * PostgreSQL searches the log itself: no indexer.
 */
function createLogIndexer(
  storage: Storage,
  store: MessageStore,
  clock: Clock,
  log: Logger,
  historyMax: number,
): SearchIndexer | null {
  if (storage.engine !== "kv") return null;
  const indexer = createSearchIndexer({
    index: storage.search,
    readLog: async (room, after, limit) => (await store.history(room, { after, limit })).messages,
    clock,
    log,
    historyMax,
  });
  // Listed as it goes, so that the indexer counts as busy (not `idle()`) from now on.
  async function* roomsWithLogs() {
    let after: string | undefined;
    do {
      const page = await store.rooms({ after, limit: 500 });
      yield* page.names;
      after = page.next ?? undefined;
    } while (after !== undefined);
  }
  indexer.catchUp(roomsWithLogs()).catch((error) =>
    log.error("search.catch_up_failed", { error: String(error) })
  );
  return indexer;
}

/** `switchboard-<hash of the database's location>`: one namespace per database. */
async function busNamespaceFor(storage: Storage): Promise<string> {
  const { location } = storage;
  const bytes = new TextEncoder().encode(location === ":memory:" ? crypto.randomUUID() : location);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
  return `switchboard-${hex}`;
}

/**
 * The server's settings, read once from the environment and validated, so a
 * bad value stops the start with a message naming the variable.
 *
 * @example
 * ```ts
 * const config = loadConfig(Deno.env.toObject());
 * config.heartbeatMs; // 25000 unless HEARTBEAT_MS says otherwise
 * ```
 */
import { z } from "zod";
import { isTrustProxyItem, TRUST_PROXY_HELP } from "./http/mod.ts";
import { parseDatabaseUrl, redactDatabaseUrl } from "./postgres/mod.ts";

/** Thrown by {@linkcode loadConfig} when a variable has a bad value. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

function integer(fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.string().default(String(fallback))
    .pipe(z.string().regex(/^\d+$/, "must be a whole number"))
    .transform(Number)
    .pipe(
      z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
    );
}

/** A whole number with no default: unset stays `undefined` (the caller derives a value). */
function optionalInteger(min: number) {
  return z.string().regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(Number.MAX_SAFE_INTEGER))
    .optional();
}

function decimal(fallback: number, min: number) {
  return z.string().default(String(fallback))
    .pipe(z.string().regex(/^\d+(\.\d+)?$/, "must be a number"))
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`));
}

function list(item: z.ZodType<string, string>) {
  return z.string().default("")
    .transform((text) => text.split(",").map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(item));
}

const Origin = z.string().refine((text) => {
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
}, "must be origins like https://chat.example.com (scheme, host and port only)");

const EnvSchema = z.object({
  PORT: integer(8000, 0, 65535),
  HOST: z.string().default("0.0.0.0"),
  REUSE_PORT: z.enum(["0", "1"], { error: "must be 0 or 1" }).default("0")
    .transform((value) => value === "1"),
  TRUST_PROXY: list(z.string().refine(isTrustProxyItem, TRUST_PROXY_HELP)),
  WORKERS: integer(1, 1, 256),
  HEADERS_TIMEOUT_MS: integer(10_000, 100),
  REQUEST_TIMEOUT_MS: integer(30_000, 100),
  MAX_TCP_CONNECTIONS: optionalInteger(1),
  MAX_TCP_CONNECTIONS_PER_ADDRESS: optionalInteger(1),
  WS_ENGINE: z.enum(["own", "deno"], { error: "must be own or deno" }).default("own"),
  WS_MESSAGE_TIMEOUT_MS: integer(10_000, 100),
  KV_PATH: z.string().default("./data/switchboard.kv"),
  DATABASE_URL: z.string().optional().superRefine((text, context) => {
    const parsed = text === undefined ? null : parseDatabaseUrl(text);
    if (parsed && !parsed.ok) context.addIssue({ code: "custom", message: parsed.message });
  }),
  DATABASE_POOL_SIZE: integer(10, 1, 1000),
  CLUSTER: z.enum(["auto", "local", "kv", "postgres"], {
    error: "must be auto, local, kv or postgres",
  }).default("auto"),
  CLUSTER_EXPIRY_MS: integer(15_000, 300),
  JWT_SECRETS: list(z.string()),
  ACCESS_TOKEN_TTL_S: integer(900, 60),
  REFRESH_TOKEN_TTL_S: integer(30 * 24 * 3600, 60),
  GUEST_IDLE_TTL_S: integer(24 * 3600, 60),
  TOKEN_EXPIRING_LEAD_MS: integer(60_000, 0),
  ALLOWED_ORIGINS: list(Origin),
  HEARTBEAT_MS: integer(25_000, 100),
  MAX_FRAME_BYTES: integer(65_536, 256),
  // A stored message must fit one Deno KV value (64 KiB) even at 3 bytes per character.
  MAX_TEXT_CHARS: integer(4000, 1, 16_000),
  RATE_BURST: integer(20, 1),
  RATE_PER_SECOND: decimal(5, 0.01),
  RATE_ABUSE_FACTOR: decimal(3, 1),
  RATE_ABUSE_WINDOW_MS: integer(10_000, 1000),
  MAX_CONNECTIONS_PER_USER: integer(5, 1),
  MAX_CONNECTIONS_PER_ADDRESS: integer(50, 1),
  SLOW_CONSUMER_BYTES: integer(1024 * 1024, 1024),
  JOIN_PAGE_MAX: integer(500, 1),
  PRESENCE_LIST_MAX: integer(100, 1, 10_000),
  MAX_REPLY_BYTES: integer(512 * 1024, 16 * 1024),
  DRAIN_SPREAD_MS: integer(3000, 0),
  DRAIN_TIMEOUT_MS: integer(4000, 0),
  LOGIN_ATTEMPTS_PER_NAME: integer(5, 1),
  LOGIN_ATTEMPTS_PER_ADDRESS: integer(20, 1),
  LOGIN_ATTEMPTS_PER_ACCOUNT: integer(50, 1),
  LOGIN_WINDOW_S: integer(60, 1),
  GUESTS_PER_ADDRESS: integer(10, 1),
  GUEST_WINDOW_S: integer(600, 1),
  REGISTRATIONS_PER_ADDRESS: integer(10, 1),
  REGISTRATION_WINDOW_S: integer(3600, 1),
  ROOM_HISTORY_MAX: integer(10_000, 1),
  EMPTY_ROOM_TTL_S: integer(24 * 3600, 60),
  ADMIN_USERS: list(z.string()),
  METRICS_TOKEN: z.string().optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
  TEST_HOOKS: z.enum(["0", "1"], { error: "must be 0 or 1" }).default("0"),
});

/** The validated settings. Names follow the environment variables. */
export interface Config {
  port: number;
  /** The address `serve.ts` listens on (`deno serve` takes `--host` instead). */
  host: string;
  /** `serve.ts` binds with SO_REUSEPORT, so a new process can listen beside a draining one. */
  reusePort: boolean;
  /**
   * Proxies whose `X-Forwarded-For` names the client: `loopback`, addresses, CIDR blocks.
   * Empty: the header is ignored and the peer's address is the client's.
   */
  trustProxy: string[];
  /**
   * Isolates (threads of one process) that `serve.ts` runs, each serving the
   * port through the kernel's SO_REUSEPORT balancing. `deno task start` sets
   * it to the number of cores when unset.
   */
  workers: number;
  /** A request head must arrive in full within this long of its first byte (or of the connect). */
  headersTimeoutMs: number;
  /** A whole request, head and body, must arrive within this long. */
  requestTimeoutMs: number;
  /**
   * Which WebSocket the guarded server (`serve.ts`) accepts upgrades with: the
   * framework's own (`lib/framework/own_web_socket.ts`, the default), which
   * refuses a message over `maxFrameBytes` before buffering it, or Deno's,
   * which buffers up to 64 MiB first. `deno serve` and Deno Deploy always use
   * Deno's.
   */
  wsEngine: "own" | "deno";
  /** With the own engine: how long a started WebSocket message may take to arrive in full. */
  wsMessageTimeoutMs: number;
  /**
   * TCP connections the process holds at once (split evenly over its
   * isolates); more are closed at accept. Unset: derived from the process's
   * open-files limit (see `lib/server/http/tcp_connection_budget.ts`).
   */
  maxTcpConnections?: number;
  /**
   * TCP connections one address holds at once on one isolate, before any
   * request is read (trusted proxies are exempt). Twice
   * `MAX_CONNECTIONS_PER_ADDRESS` unless set.
   */
  maxTcpConnectionsPerAddress: number;
  kvPath: string;
  /**
   * `DATABASE_URL`: when set, everything the server stores goes to this
   * PostgreSQL database instead of Deno KV (see docs/scaling.md). It holds
   * a password: log {@linkcode redactDatabaseUrl} of it, never the value.
   */
  databaseUrl?: string;
  /** Most connections each isolate's pool opens to PostgreSQL (`DATABASE_POOL_SIZE`). */
  databasePoolSize: number;
  /**
   * The cluster engine (`lib/server/cluster`): `kv` carries everything that
   * spans instances through the KV database, for instances that share nothing
   * else (Deno Deploy's, or processes on a remote `KV_PATH`); `local` through a
   * `BroadcastChannel` between the isolates of one process. `CLUSTER=auto`
   * (the default) takes `kv` on Deno Deploy (`DENO_DEPLOYMENT_ID`) or with a
   * remote `KV_PATH` (http/https), and `local` otherwise: a local SQLite file
   * notifies watchers in its own process only, where the channel is cheaper.
   * With `DATABASE_URL`, `auto` takes `postgres`: any number of processes on
   * the database are one server (docs/scaling.md); `CLUSTER=local` keeps one
   * process per database, and `CLUSTER=kv` is refused: there is no KV to share.
   */
  cluster: "local" | "kv" | "postgres";
  /** How long an instance counts (its presence, connections, status) after its last heartbeat. */
  clusterExpiryMs: number;
  /** Signing secrets; the first signs, all verify. Empty: generate one and keep it in KV. */
  jwtSecrets: string[];
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  /** A guest's refresh token dies this long after its last use (within `refreshTokenTtlS`). */
  guestIdleTtlS: number;
  /** How long before expiry a socket gets `token_expiring`. */
  tokenExpiringLeadMs: number;
  /** Origins allowed to open sockets; empty means same origin only. */
  allowedOrigins: string[];
  heartbeatMs: number;
  maxFrameBytes: number;
  maxTextChars: number;
  rateBurst: number;
  ratePerSecond: number;
  /** A connection sending this many times its rate for a whole abuse window is closed with 4429. */
  rateAbuseFactor: number;
  rateAbuseWindowMs: number;
  maxConnectionsPerUser: number;
  maxConnectionsPerAddress: number;
  /**
   * Outbound bytes a socket may hold unsent: a frame for a socket already over
   * this is not queued, and the socket is closed with 1008 at once.
   */
  slowConsumerBytes: number;
  /** Most messages a `joined` catch-up (`join` with `since`) carries before it says `more`. */
  joinPageMax: number;
  /**
   * A room with more users online is big: `joined` lists this many and counts
   * them all, presence and typing frames are summarized once a second.
   */
  presenceListMax: number;
  /** Largest `joined` or `history` reply in bytes; at most half of `slowConsumerBytes`. */
  maxReplyBytes: number;
  /** `reconnect.after_ms` is spread over this window when draining. */
  drainSpreadMs: number;
  /** How long draining waits for sockets to close. */
  drainTimeoutMs: number;
  /** Login attempts on one name from one address, per window. */
  loginAttemptsPerName: number;
  /** Login attempts from one address, whatever the name, per window. */
  loginAttemptsPerAddress: number;
  /**
   * Login attempts on one name from all the addresses that never signed in to
   * it, together, per window; addresses that did are never held back by it.
   */
  loginAttemptsPerAccount: number;
  /** Every login limit counts attempts per this window. */
  loginWindowS: number;
  /** Guest identities one address may create per {@linkcode Config.guestWindowS}. */
  guestsPerAddress: number;
  guestWindowS: number;
  /** Accounts one address may register per {@linkcode Config.registrationWindowS}. */
  registrationsPerAddress: number;
  registrationWindowS: number;
  roomHistoryMax: number;
  /** A room without messages stays listed this long after someone last joined or left it. */
  emptyRoomTtlS: number;
  /** Names granted role `admin` (compared case-insensitively). */
  adminUsers: string[];
  /**
   * `/metrics` needs `Authorization: Bearer <it>` when set; required when
   * `DATABASE_URL` is set or on Deno Deploy (`DENO_DEPLOYMENT_ID`).
   */
  metricsToken?: string;
  logLevel: LogLevel;
  /**
   * Test-only hooks (`lib/server/test_hooks`: `POST /api/test/ws-block`), from
   * `TEST_HOOKS=1`; `server.ts` installs them only then. Off by default; never
   * enable it on Deno Deploy or any real deployment.
   */
  testHooks: boolean;
}

/**
 * Reads the settings from `env`; unset or empty variables take their defaults.
 * Throws {@linkcode ConfigError} naming every variable with a bad value.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((name) => [name, env[name]?.trim() || undefined]),
  );
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      // A database URL may hold a password: never repeat it.
      const value = name === "DATABASE_URL"
        ? redactDatabaseUrl(env[name] ?? "")
        : JSON.stringify(env[name] ?? "");
      return `${name}=${value} ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  const e = result.data;
  const maxTcpConnectionsPerAddress = e.MAX_TCP_CONNECTIONS_PER_ADDRESS ??
    2 * e.MAX_CONNECTIONS_PER_ADDRESS;
  const crossProblems = [
    // Behind a shared database or on Deno Deploy the server is reachable by anyone, and so would
    // be every isolate's metrics (rooms, refusals, errors): such a server must not start with them
    // open.
    !e.METRICS_TOKEN && (env.DATABASE_URL?.trim() || env.DENO_DEPLOYMENT_ID) &&
    "METRICS_TOKEN must be set when DATABASE_URL is set or on Deno Deploy (DENO_DEPLOYMENT_ID); " +
      "without it /metrics would be public",
    // A reader who keeps up may hold one reply while the next is queued; cutting
    // it off for that would turn every big catch-up into a reconnect.
    e.SLOW_CONSUMER_BYTES < 2 * e.MAX_REPLY_BYTES &&
    `SLOW_CONSUMER_BYTES=${e.SLOW_CONSUMER_BYTES} must be at least twice ` +
      `MAX_REPLY_BYTES=${e.MAX_REPLY_BYTES}, so that a client reading one reply is not closed ` +
      `as a slow consumer when the next is queued`,
    // The kv engine's plane needs a KV database, which DATABASE_URL never opens; the postgres
    // engine's needs PostgreSQL.
    e.CLUSTER === "kv" && e.DATABASE_URL &&
    "CLUSTER=kv cannot be used with DATABASE_URL: with PostgreSQL no KV database is opened; " +
      "unset CLUSTER or set CLUSTER=postgres (several processes) or CLUSTER=local (one process)",
    e.CLUSTER === "postgres" && !e.DATABASE_URL &&
    "CLUSTER=postgres needs DATABASE_URL: the processes share the PostgreSQL database it names",
    e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS &&
    `HEADERS_TIMEOUT_MS=${e.HEADERS_TIMEOUT_MS} must not exceed REQUEST_TIMEOUT_MS=${e.REQUEST_TIMEOUT_MS}`,
    // Below it, the WebSocket limit (close 4429) could never be reached: TCP would refuse first.
    maxTcpConnectionsPerAddress < e.MAX_CONNECTIONS_PER_ADDRESS &&
    `MAX_TCP_CONNECTIONS_PER_ADDRESS=${maxTcpConnectionsPerAddress} must be at least ` +
      `MAX_CONNECTIONS_PER_ADDRESS=${e.MAX_CONNECTIONS_PER_ADDRESS}`,
  ].filter(Boolean);
  if (crossProblems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${crossProblems.join("; ")}`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    reusePort: e.REUSE_PORT,
    trustProxy: e.TRUST_PROXY,
    workers: e.WORKERS,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    wsEngine: e.WS_ENGINE,
    wsMessageTimeoutMs: e.WS_MESSAGE_TIMEOUT_MS,
    maxTcpConnections: e.MAX_TCP_CONNECTIONS,
    maxTcpConnectionsPerAddress,
    kvPath: e.KV_PATH,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    cluster: e.CLUSTER === "auto"
      ? (e.DATABASE_URL
        ? "postgres"
        : env.DENO_DEPLOYMENT_ID || /^https?:\/\//.test(e.KV_PATH)
        ? "kv"
        : "local")
      : e.CLUSTER,
    clusterExpiryMs: e.CLUSTER_EXPIRY_MS,
    jwtSecrets: e.JWT_SECRETS,
    accessTokenTtlS: e.ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: e.REFRESH_TOKEN_TTL_S,
    guestIdleTtlS: e.GUEST_IDLE_TTL_S,
    tokenExpiringLeadMs: e.TOKEN_EXPIRING_LEAD_MS,
    allowedOrigins: e.ALLOWED_ORIGINS,
    heartbeatMs: e.HEARTBEAT_MS,
    maxFrameBytes: e.MAX_FRAME_BYTES,
    maxTextChars: e.MAX_TEXT_CHARS,
    rateBurst: e.RATE_BURST,
    ratePerSecond: e.RATE_PER_SECOND,
    rateAbuseFactor: e.RATE_ABUSE_FACTOR,
    rateAbuseWindowMs: e.RATE_ABUSE_WINDOW_MS,
    maxConnectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
    maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
    slowConsumerBytes: e.SLOW_CONSUMER_BYTES,
    joinPageMax: e.JOIN_PAGE_MAX,
    presenceListMax: e.PRESENCE_LIST_MAX,
    maxReplyBytes: e.MAX_REPLY_BYTES,
    drainSpreadMs: e.DRAIN_SPREAD_MS,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    loginAttemptsPerName: e.LOGIN_ATTEMPTS_PER_NAME,
    loginAttemptsPerAddress: e.LOGIN_ATTEMPTS_PER_ADDRESS,
    loginAttemptsPerAccount: e.LOGIN_ATTEMPTS_PER_ACCOUNT,
    loginWindowS: e.LOGIN_WINDOW_S,
    guestsPerAddress: e.GUESTS_PER_ADDRESS,
    guestWindowS: e.GUEST_WINDOW_S,
    registrationsPerAddress: e.REGISTRATIONS_PER_ADDRESS,
    registrationWindowS: e.REGISTRATION_WINDOW_S,
    roomHistoryMax: e.ROOM_HISTORY_MAX,
    emptyRoomTtlS: e.EMPTY_ROOM_TTL_S,
    adminUsers: e.ADMIN_USERS,
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
    testHooks: e.TEST_HOOKS === "1",
  };
}

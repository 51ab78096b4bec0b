import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { ConfigError, loadConfig } from "../../lib/server/config.ts";
import { connectionGuards } from "../../lib/server/http/mod.ts";

Deno.test("loadConfig: defaults follow the contract", () => {
  const config = loadConfig({});
  equal(config.port, 8000);
  equal(config.kvPath, "./data/switchboard.kv");
  deepEqual(config.jwtSecrets, []);
  equal(config.accessTokenTtlS, 900);
  deepEqual(config.allowedOrigins, []);
  equal(config.heartbeatMs, 25_000);
  equal(config.maxFrameBytes, 65_536);
  equal(config.maxTextChars, 4000);
  equal(config.rateBurst, 20);
  equal(config.ratePerSecond, 5);
  equal(config.maxConnectionsPerUser, 5);
  equal(config.maxConnectionsPerAddress, 50);
  equal(config.roomHistoryMax, 10_000);
  deepEqual(config.adminUsers, []);
  equal(config.metricsToken, undefined);
  equal(config.slowConsumerBytes, 1024 * 1024);
  equal(config.joinPageMax, 500);
  equal(config.maxReplyBytes, 512 * 1024);
  equal(config.presenceListMax, 100);
});

Deno.test("loadConfig: reads values, trims lists, treats empty as unset", () => {
  const config = loadConfig({
    PORT: "9000",
    HEARTBEAT_MS: "",
    RATE_PER_SECOND: "2.5",
    JWT_SECRETS: " first-secret , second-secret ,",
    ALLOWED_ORIGINS: "https://chat.example.com,http://localhost:8000",
    ADMIN_USERS: "ada",
    METRICS_TOKEN: "m",
    KV_PATH: ":memory:",
  });
  equal(config.port, 9000);
  equal(config.heartbeatMs, 25_000);
  equal(config.ratePerSecond, 2.5);
  deepEqual(config.jwtSecrets, ["first-secret", "second-secret"]);
  deepEqual(config.allowedOrigins, ["https://chat.example.com", "http://localhost:8000"]);
  deepEqual(config.adminUsers, ["ada"]);
  equal(config.metricsToken, "m");
  equal(config.kvPath, ":memory:");
});

Deno.test("loadConfig: CLUSTER=auto takes kv where instances share only the KV, local elsewhere", () => {
  const engine = (env: Record<string, string>) =>
    loadConfig({ METRICS_TOKEN: "scrape-me", ...env }).cluster;
  equal(engine({}), "local", "a local file");
  equal(engine({ KV_PATH: ":memory:" }), "local");
  equal(engine({ DENO_DEPLOYMENT_ID: "abc123" }), "kv", "Deno Deploy's KV");
  equal(engine({ KV_PATH: "https://api.deno.com/databases/x/connect" }), "kv", "KV Connect");
  equal(engine({ CLUSTER: "kv" }), "kv");
  equal(engine({ CLUSTER: "local", DENO_DEPLOYMENT_ID: "abc123" }), "local");
  equal(loadConfig({}).clusterExpiryMs, 15_000);
  equal(loadConfig({ CLUSTER_EXPIRY_MS: "1500" }).clusterExpiryMs, 1_500);
});

Deno.test("loadConfig: with DATABASE_URL the cluster is postgres, and CLUSTER=kv is refused", () => {
  const database = {
    DATABASE_URL: "postgres://chat:s3cret@db.internal/switchboard",
    METRICS_TOKEN: "m",
  };
  equal(loadConfig(database).cluster, "postgres");
  equal(
    loadConfig({ ...database, DENO_DEPLOYMENT_ID: "abc123" }).cluster,
    "postgres",
    "no KV is opened",
  );
  equal(loadConfig({ ...database, CLUSTER: "postgres" }).cluster, "postgres");
  equal(loadConfig({ ...database, CLUSTER: "local" }).cluster, "local", "one process per database");
  throws(() => loadConfig({ ...database, CLUSTER: "kv" }), (error: Error) => {
    ok(error instanceof ConfigError);
    match(error.message, /CLUSTER=kv cannot be used with DATABASE_URL/);
    ok(!error.message.includes("s3cret"), "the password is never repeated");
    return true;
  });
  throws(() => loadConfig({ METRICS_TOKEN: "m", CLUSTER: "postgres" }), (error: Error) => {
    ok(error instanceof ConfigError);
    match(error.message, /CLUSTER=postgres needs DATABASE_URL/);
    return true;
  });
});

Deno.test("loadConfig: a bad value throws ConfigError naming the variable and the problem", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ HEARTBEAT_MS: "soon" }, /HEARTBEAT_MS="soon" must be a whole number/],
    [{ HEARTBEAT_MS: "-5" }, /HEARTBEAT_MS="-5" must be a whole number/],
    [{ MAX_FRAME_BYTES: "10" }, /MAX_FRAME_BYTES="10" must be at least 256/],
    [{ PORT: "70000" }, /PORT="70000" must be at most 65535/],
    [{ RATE_PER_SECOND: "fast" }, /RATE_PER_SECOND="fast" must be a number/],
    [{ ALLOWED_ORIGINS: "https://a.example/path" }, /ALLOWED_ORIGINS=.* must be origins/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL="loud" must be one of debug, info, warn, error/],
    [{ CLUSTER: "redis" }, /CLUSTER="redis" must be auto, local, kv or postgres/],
    [{ CLUSTER_EXPIRY_MS: "10" }, /CLUSTER_EXPIRY_MS="10" must be at least 300/],
    [{ JOIN_PAGE_MAX: "0" }, /JOIN_PAGE_MAX="0" must be at least 1/],
    [{ PRESENCE_LIST_MAX: "0" }, /PRESENCE_LIST_MAX="0" must be at least 1/],
    [{ PRESENCE_LIST_MAX: "10001" }, /PRESENCE_LIST_MAX="10001" must be at most 10000/],
    [{ MAX_REPLY_BYTES: "1000" }, /MAX_REPLY_BYTES="1000" must be at least 16384/],
  ];
  for (const [env, message] of cases) {
    throws(() => loadConfig(env), (error: Error) => {
      equal(error instanceof ConfigError, true);
      return message.test(error.message);
    });
  }
  throws(
    () => loadConfig({ RATE_BURST: "x", MAX_CONNECTIONS_PER_USER: "0" }),
    /RATE_BURST=.*; MAX_CONNECTIONS_PER_USER="0" must be at least 1/,
  );
});

Deno.test("loadConfig: the slow-consumer bound must hold two of the biggest replies", () => {
  throws(
    () => loadConfig({ SLOW_CONSUMER_BYTES: "600000" }),
    (error: Error) =>
      error instanceof ConfigError &&
      /SLOW_CONSUMER_BYTES=600000 must be at least twice MAX_REPLY_BYTES=524288/.test(
        error.message,
      ),
  );
  throws(() => loadConfig({ MAX_REPLY_BYTES: "1048576" }), /at least twice MAX_REPLY_BYTES/);
  const config = loadConfig({ SLOW_CONSUMER_BYTES: "65536", MAX_REPLY_BYTES: "32768" });
  equal(config.maxReplyBytes, 32_768);
});

Deno.test("loadConfig: connection guards default to 10 s heads, 30 s requests, 2 × the WebSocket cap", () => {
  const config = loadConfig({});
  equal(config.workers, 1);
  equal(config.headersTimeoutMs, 10_000);
  equal(config.requestTimeoutMs, 30_000);
  equal(config.maxTcpConnections, undefined, "derived from the open-files limit");
  equal(config.maxTcpConnectionsPerAddress, 100);
  equal(loadConfig({ MAX_CONNECTIONS_PER_ADDRESS: "80" }).maxTcpConnectionsPerAddress, 160);
  const set = loadConfig({ MAX_TCP_CONNECTIONS: "5000", MAX_TCP_CONNECTIONS_PER_ADDRESS: "60" });
  equal(set.maxTcpConnections, 5000);
  equal(set.maxTcpConnectionsPerAddress, 60);
});

Deno.test("loadConfig: connection guards that contradict each other are refused", () => {
  throws(
    () => loadConfig({ HEADERS_TIMEOUT_MS: "20000", REQUEST_TIMEOUT_MS: "10000" }),
    /HEADERS_TIMEOUT_MS=20000 must not exceed REQUEST_TIMEOUT_MS=10000/,
  );
  throws(
    () => loadConfig({ MAX_TCP_CONNECTIONS_PER_ADDRESS: "40" }),
    /MAX_TCP_CONNECTIONS_PER_ADDRESS=40 must be at least MAX_CONNECTIONS_PER_ADDRESS=50/,
  );
  throws(
    () => loadConfig({ MAX_TCP_CONNECTIONS: "0" }),
    /MAX_TCP_CONNECTIONS="0" must be at least 1/,
  );
  throws(() => loadConfig({ WORKERS: "0" }), /WORKERS="0" must be at least 1/);
  throws(
    () =>
      loadConfig({
        HEADERS_TIMEOUT_MS: "20000",
        REQUEST_TIMEOUT_MS: "10000",
        SLOW_CONSUMER_BYTES: "600000",
      }),
    (error: Error) =>
      error instanceof ConfigError && error.message.includes("HEADERS_TIMEOUT_MS=20000") &&
      error.message.includes("SLOW_CONSUMER_BYTES=600000"),
    "every contradiction is named at once",
  );
});

Deno.test("loadConfig: DATABASE_URL is checked, and its password is never repeated", () => {
  const config = loadConfig({
    DATABASE_URL: "postgres://chat:s3cret@db.internal:5433/switchboard",
    METRICS_TOKEN: "m",
  });
  equal(config.databaseUrl, "postgres://chat:s3cret@db.internal:5433/switchboard");
  equal(config.databasePoolSize, 10);
  equal(loadConfig({}).databaseUrl, undefined, "without it, KV as before");
  for (
    const [url, problem] of [
      ["mysql://chat:s3cret@db.internal/switchboard", /must start with postgres:\/\//],
      ["postgres://chat:s3cret@db.internal", /must name one database/],
      ["s3cret", /must be a URL/],
    ] as const
  ) {
    throws(() => loadConfig({ DATABASE_URL: url, METRICS_TOKEN: "m" }), (error: Error) => {
      equal(error instanceof ConfigError, true);
      equal(problem.test(error.message), true, error.message);
      equal(error.message.includes("s3cret"), false, error.message);
      return true;
    });
  }
  throws(
    () =>
      loadConfig({ DATABASE_URL: "postgres://h/db", METRICS_TOKEN: "m", DATABASE_POOL_SIZE: "0" }),
    /DATABASE_POOL_SIZE="0" must be at least 1/,
  );
});

Deno.test("loadConfig: WS_ENGINE is own by default, deno on request; the guards carry its bounds", () => {
  const own = loadConfig({});
  equal(own.wsEngine, "own");
  equal(own.wsMessageTimeoutMs, 10_000);
  deepEqual(connectionGuards(loadConfig({ MAX_FRAME_BYTES: "4096" })).ownWebSockets, {
    maxMessageBytes: 4096,
    messageTimeoutMs: 10_000,
  });
  const deno = loadConfig({ WS_ENGINE: "deno" });
  equal(deno.wsEngine, "deno");
  equal(connectionGuards(deno).ownWebSockets, undefined);
  throws(() => loadConfig({ WS_ENGINE: "bun" }), (error: Error) => {
    ok(error instanceof ConfigError);
    match(error.message, /WS_ENGINE/);
    return true;
  });
});

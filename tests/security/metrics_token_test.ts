/**
 * Public metrics: `/metrics` answered anyone by default, rooms, refusals and
 * errors included. It still does on a laptop (documented), but a server with
 * `DATABASE_URL` or on Deno Deploy now refuses to start without
 * `METRICS_TOKEN`, and with it `/metrics` answers only that bearer token.
 */
import { privatePostgres } from "../_helpers/postgres.ts";
import { equal, match, throws } from "node:assert/strict";
import { ConfigError, loadConfig } from "../../lib/server/config.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { TEST_SECRET } from "../_helpers/server.ts";

Deno.test("metrics token: required with DATABASE_URL or on Deno Deploy", () => {
  for (
    const env of [{ DATABASE_URL: "postgres://db.internal/switchboard" }, {
      DENO_DEPLOYMENT_ID: "abc123",
    }]
  ) {
    throws(() => loadConfig(env), (error: Error) => {
      equal(error instanceof ConfigError, true);
      match(error.message, /METRICS_TOKEN must be set/);
      return true;
    });
    equal(loadConfig({ ...env, METRICS_TOKEN: "scrape-me" }).metricsToken, "scrape-me");
  }
  equal(loadConfig({}).metricsToken, undefined, "a laptop may run without it");
});

Deno.test("metrics token: a server with DATABASE_URL and no METRICS_TOKEN does not start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-metrics-" });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../serve.ts", import.meta.url).pathname],
      env: {
        KV_PATH: `${dir}/switchboard.kv`,
        JWT_SECRETS: TEST_SECRET,
        DATABASE_URL: "postgres://db.internal/switchboard",
        PORT: "0",
      },
      stdout: "null",
      stderr: "piped",
    }).output();
    equal(code === 0, false);
    match(new TextDecoder().decode(stderr), /METRICS_TOKEN must be set/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const pg = privatePostgres();

Deno.test("metrics token: with it, /metrics answers only that bearer token", async () => {
  // On a private PostgreSQL where there is one (DATABASE_URL must now reach a database).
  const database: Record<string, string> = pg ? { DATABASE_URL: await pg.database() } : {};
  await using server = await startServerProcess({
    env: { ...database, METRICS_TOKEN: "scrape-me-secret" },
  });
  for (const authorization of [undefined, "Bearer wrong", "Basic scrape-me-secret"]) {
    const refused = await fetch(`${server.origin}/metrics`, {
      headers: authorization ? { authorization } : {},
    });
    equal(refused.status, 401, authorization ?? "no header");
    await refused.body?.cancel();
  }
  const scraped = await fetch(`${server.origin}/metrics`, {
    headers: { authorization: "Bearer scrape-me-secret" },
  });
  equal(scraped.status, 200);
  match(await scraped.text(), /switchboard_connections_open/);
});

/**
 * Switchboard processes on one private PostgreSQL, as a self-hosted cluster
 * runs them: separate OS processes (`serve.ts`, `_helpers/server_process.ts`),
 * each on its own port, joined by nothing but `DATABASE_URL` (the postgres
 * cluster engine, `CLUSTER=auto`). Tokens are signed with the secret every
 * process verifies with, so a client may open a socket on any of them.
 *
 * @example
 * ```ts
 * await using cluster = await startPgProcesses(pg, 3);
 * const [a, b] = cluster.processes;
 * const socket = await openSocket(`ws://127.0.0.1:${b.port}/api/ws`, { token: await cluster.token("ada") });
 * ```
 */
import type { SessionUser } from "../../lib/protocol/mod.ts";
import { createTokenIssuer } from "../../lib/server/auth/tokens.ts";
import { connectPostgres, type Postgres } from "../../lib/server/postgres/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { TEST_SECRET } from "../_helpers/server.ts";
import { type ServerProcess, startServerProcess } from "../_helpers/server_process.ts";
import type { PrivatePostgres } from "../_helpers/postgres.ts";

/** A short expiry, so that a killed process drops out within a few seconds. */
export const PROCESS_EXPIRY_MS = 1_500;
/** The admin API's and `/metrics`' bearer token. */
export const METRICS_TOKEN = "metrics-token-for-tests";

/** Server processes on one database. */
export interface PgProcesses extends AsyncDisposable {
  processes: ServerProcess[];
  /** A pool on the database, to read what the processes wrote. */
  db: Postgres;
  /** An access token for `name` (id `user:<name>`), good on every process. */
  token(name: string, role?: SessionUser["role"]): Promise<string>;
  close(): Promise<void>;
}

/** `ws://…/api/ws` of a process. */
export function wsUrlOf(process: ServerProcess): string {
  return `ws://127.0.0.1:${process.port}/api/ws`;
}

/** Starts `count` processes on a fresh database of `pg`, with `env` over the defaults. */
export async function startPgProcesses(
  pg: PrivatePostgres,
  count: number,
  env: Record<string, string> = {},
): Promise<PgProcesses> {
  const url = await pg.database();
  const fullEnv = {
    DATABASE_URL: url,
    METRICS_TOKEN,
    CLUSTER_EXPIRY_MS: String(PROCESS_EXPIRY_MS),
    RATE_BURST: "200",
    RATE_PER_SECOND: "500",
    ...env,
  };
  const processes: ServerProcess[] = [];
  // One after another: the first migrates the schema (the others would wait on its lock anyway).
  for (let index = 0; index < count; index++) {
    processes.push(await startServerProcess({ env: fullEnv }));
  }
  const db = await connectPostgres({ url, poolSize: 2 });
  const issuer = await createTokenIssuer({
    secrets: [TEST_SECRET],
    ttlS: 3_600,
    clock: createSystemClock(),
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(processes.map((process) => process.close()));
    await db.close();
  };
  return {
    processes,
    db,
    async token(name, role = "user") {
      return (await issuer.sign({ id: `user:${name}`, name, role })).token;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

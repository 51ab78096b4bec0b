/**
 * The pool of connections to PostgreSQL (the `postgres` npm package): opened
 * once per isolate from `DATABASE_URL`, with `DATABASE_POOL_SIZE` connections
 * at most. Opening it runs one query, so an unreachable or misconfigured
 * database stops the start with a {@linkcode DatabaseUnavailableError} that
 * names the host (never the password) instead of failing at the first request.
 *
 * Every `bigint` column (seqs, times in ms) is read as a JavaScript number:
 * the values the server stores stay far below 2^53.
 *
 * A connection that breaks (PostgreSQL restarting, the network gone) fails
 * the queries in flight on it; the pool opens new connections for the next
 * queries by itself, and the listening connection (`sql.listen`) reopens
 * itself, each trying again at most a second apart, so the server recovers
 * without a restart.
 *
 * @example
 * ```ts
 * const pg = await connectPostgres({ url: config.databaseUrl!, poolSize: 10 });
 * const [{ now }] = await pg.sql`select now()`;
 * await pg.ping(2_000); // rejects when the database does not answer in time
 * await pg.close();
 * ```
 */
import postgres from "postgres";
import { type DatabaseTarget, parseDatabaseUrl } from "./database_url.ts";

/** A pool's query function: a tagged template, `sql.begin` for transactions. */
export type Sql = postgres.Sql;
/** The query function inside `sql.begin`. */
export type TransactionSql = postgres.TransactionSql;

/** The server could not use the database at start: unreachable, refused, or misconfigured. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnavailableError";
  }
}

/** An open pool. */
export interface Postgres {
  sql: Sql;
  /** Where it connects, without the password. */
  target: Omit<DatabaseTarget, "url">;
  /** Resolves when the database answers a query within `timeoutMs`; rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
  /** Ends every connection, waiting up to 5 s for queries in flight. */
  close(): Promise<void>;
}

/** Options of {@linkcode connectPostgres}. */
export interface PostgresOptions {
  /** `DATABASE_URL`. */
  url: string;
  /** Most connections open at once (`DATABASE_POOL_SIZE`). */
  poolSize: number;
  /** How long one connection attempt may take, in seconds. Default 10. */
  connectTimeoutS?: number;
  /** Shown in `pg_stat_activity`. Default `switchboard`. */
  applicationName?: string;
}

/** Reads `bigint` (type 20) as a number instead of a string. */
const BIGINT_AS_NUMBER = {
  to: 20,
  from: [20],
  serialize: (value: number) => String(value),
  parse: (text: string) => Number(text),
};

/** Seconds before reconnect attempt `attempts`: 0.1, 0.2, 0.4, 0.8, then 1 s. */
function reconnectBackoffS(attempts: number): number {
  return Math.min(0.05 * 2 ** attempts, 1);
}

/** What went wrong with a connection, in a few words and without secrets. */
export function describeDatabaseError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code)
    ? `${error.message} (${code})`
    : error.message;
}

/**
 * Opens a pool and checks that the database answers; throws a
 * {@linkcode DatabaseUnavailableError} naming the host when it does not.
 */
export async function connectPostgres(options: PostgresOptions): Promise<Postgres> {
  const parsed = parseDatabaseUrl(options.url);
  if (!parsed.ok) throw new DatabaseUnavailableError(`DATABASE_URL ${parsed.message}`);
  const { url, ...target } = parsed.target;
  const sql = postgres(url, {
    max: options.poolSize,
    connect_timeout: options.connectTimeoutS ?? 10,
    // Connections idle this long are closed, so a quiet server holds few.
    idle_timeout: 60,
    // Reconnects (the listening connection's included) wait at most a second, so the server is
    // whole again within a second of PostgreSQL coming back (the driver's default grows to 20 s).
    backoff: reconnectBackoffS,
    // Notices ("relation already exists, skipping") are not the server's log.
    onnotice: () => {},
    types: { bigint: BIGINT_AS_NUMBER },
    connection: { application_name: options.applicationName ?? "switchboard" },
  }) as unknown as Sql;

  const ping = async (timeoutMs: number) => {
    const { promise: timeout, reject } = Promise.withResolvers<never>();
    const timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    try {
      await Promise.race([sql`select 1`, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw new DatabaseUnavailableError(
      `cannot use PostgreSQL at ${target.host}:${target.port} (database ${target.database}): ` +
        describeDatabaseError(error),
    );
  }
  return {
    sql,
    target,
    ping,
    close: () => sql.end({ timeout: 5 }),
  };
}

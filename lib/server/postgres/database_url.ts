/**
 * `DATABASE_URL`: where PostgreSQL is, checked before anything connects, and
 * shown without its password wherever it is logged or named in an error.
 *
 * @example
 * ```ts
 * const parsed = parseDatabaseUrl("postgres://chat:s3cret@db.internal:5432/switchboard");
 * if (parsed.ok) parsed.target.redacted; // "postgres://chat:***@db.internal:5432/switchboard"
 * ```
 */

/** A checked `DATABASE_URL`. */
export interface DatabaseTarget {
  /** The URL as given (with its password): for the driver only, never for a log. */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** The URL with its password replaced by `***`: safe to log. */
  redacted: string;
}

/** What {@linkcode parseDatabaseUrl} answers. */
export type DatabaseUrlCheck =
  | { ok: true; target: DatabaseTarget }
  | { ok: false; message: string };

const SCHEMES = new Set(["postgres:", "postgresql:"]);
const DEFAULT_PORT = 5432;

/**
 * The URL with any password replaced by `***`; text that is not a URL comes
 * back as `(not a URL)`, since it might be a password pasted in the wrong place.
 */
export function redactDatabaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "(not a URL)";
  }
  if (url.password) url.password = "***";
  return url.href;
}

/** Checks a `DATABASE_URL`: `postgres://` or `postgresql://`, a host, and a database name. */
export function parseDatabaseUrl(text: string): DatabaseUrlCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: "must be a URL like postgres://user:password@host:5432/db" };
  }
  if (!SCHEMES.has(url.protocol)) {
    return { ok: false, message: "must start with postgres:// or postgresql://" };
  }
  if (!url.hostname) return { ok: false, message: "must name a host" };
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!database || database.includes("/")) {
    return { ok: false, message: "must name one database, as in postgres://host:5432/switchboard" };
  }
  return {
    ok: true,
    target: {
      url: text,
      host: url.hostname,
      port: url.port ? Number(url.port) : DEFAULT_PORT,
      database,
      user: decodeURIComponent(url.username),
      redacted: redactDatabaseUrl(text),
    },
  };
}

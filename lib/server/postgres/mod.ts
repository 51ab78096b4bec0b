/**
 * PostgreSQL, when `DATABASE_URL` names one: the checked URL (shown without
 * its password), the pool, and the schema's numbered migrations, applied at
 * start. The stores of each subsystem (`../store`, `../lease`,
 * `../status_history`, `../accounts`, `../auth`, `../rooms`) keep their
 * PostgreSQL implementations beside their Deno KV ones, on this pool.
 *
 * Imports no other folder of `lib/server`.
 *
 * @example
 * ```ts
 * import { connectPostgres, migrate } from "./mod.ts";
 * const pg = await connectPostgres({ url: config.databaseUrl!, poolSize: config.databasePoolSize });
 * await migrate(pg.sql);
 * ```
 */
export * from "./database_url.ts";
export * from "./connection.ts";
export * from "./migrations.ts";
export * from "./text_codec.ts";

/** The schema's migrations and the pool's start-up errors, on a private PostgreSQL. */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import {
  connectPostgres,
  DatabaseUnavailableError,
  migrate,
  MIGRATIONS,
  type Postgres,
} from "../../lib/server/postgres/mod.ts";
import { privatePostgres } from "../_helpers/postgres.ts";

Deno.test("migrations are numbered 1, 2, 3 … without gaps, each with a snake_case name", () => {
  deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, index) => index + 1));
  ok(MIGRATIONS.every((m) => /^[a-z][a-z0-9_]*$/.test(m.name)));
});

Deno.test("an unreachable database stops the start with a message naming the host, not the password", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  await rejects(
    connectPostgres({ url: `postgres://chat:hunter22@127.0.0.1:${port}/chat`, poolSize: 1 }),
    (error: Error) => {
      ok(error instanceof DatabaseUnavailableError, String(error));
      ok(error.message.includes(`127.0.0.1:${port}`), error.message);
      ok(error.message.includes("database chat"), error.message);
      ok(!error.message.includes("hunter22"), error.message);
      return true;
    },
  );
});

const pg = privatePostgres();
if (pg) {
  const tables = async (db: Postgres) =>
    (await db.sql<{ name: string }[]>`
      select table_name as name from information_schema.tables
      where table_schema = 'public' order by table_name`).map((row) => row.name);

  Deno.test("migrate applies every migration once, records it, and then has nothing to do", async () => {
    const db = await connectPostgres({ url: await pg.database(), poolSize: 2 });
    try {
      deepEqual(await migrate(db.sql), MIGRATIONS.map((m) => m.version));
      deepEqual(await migrate(db.sql), []);
      const recorded = await db.sql<{ version: number; name: string }[]>`
        select version, name from schema_migrations order by version`;
      deepEqual(
        recorded.map(({ version, name }) => ({ version, name })),
        MIGRATIONS.map(({ version, name }) => ({ version, name })),
      );
      ok((await tables(db)).includes("room_messages"));
    } finally {
      await db.close();
    }
  });

  Deno.test("processes starting at once migrate once between them", async () => {
    const url = await pg.database();
    const pools = await Promise.all(
      [1, 2, 3, 4].map(() => connectPostgres({ url, poolSize: 1 })),
    );
    try {
      const applied = await Promise.all(pools.map((db) => migrate(db.sql)));
      deepEqual(
        applied.map((versions) => versions.length).sort(),
        [0, 0, 0, MIGRATIONS.length],
        "one process applied everything, the others found it done",
      );
      const [{ count }] = await pools[0].sql<{ count: number }[]>`
        select count(*)::int as count from schema_migrations`;
      equal(count, MIGRATIONS.length);
    } finally {
      await Promise.all(pools.map((db) => db.close()));
    }
  });

  Deno.test("a later migration applies on top of a database migrated by an earlier version", async () => {
    const db = await connectPostgres({ url: await pg.database(), poolSize: 1 });
    try {
      deepEqual(await migrate(db.sql, MIGRATIONS.slice(0, 1)), [1]);
      const next = [...MIGRATIONS, {
        version: MIGRATIONS.length + 1,
        name: "a_test_table",
        sql: "create table a_test_table (id int primary key)",
      }];
      deepEqual(await migrate(db.sql, next), next.slice(1).map((m) => m.version));
      ok((await tables(db)).includes("a_test_table"));
    } finally {
      await db.close();
    }
  });

  Deno.test("a failing migration changes nothing: its transaction is rolled back", async () => {
    const db = await connectPostgres({ url: await pg.database(), poolSize: 1 });
    try {
      const broken = [...MIGRATIONS, {
        version: MIGRATIONS.length + 1,
        name: "broken",
        sql: "nonsense",
      }];
      await rejects(migrate(db.sql, broken));
      deepEqual(await tables(db), [], "not even the earlier ones of the same run");
      deepEqual(await migrate(db.sql), MIGRATIONS.map((m) => m.version));
    } finally {
      await db.close();
    }
  });
}

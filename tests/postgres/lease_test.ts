/** The lease contract on PostgreSQL, in virtual time. */
import { createPgLease, pgLeaseHeld } from "../../lib/server/cluster/mod.ts";
import { leaseContract } from "../contracts/lease.ts";
import { migratedDatabase, privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();

if (pg) {
  leaseContract("postgres", async () => {
    const database = await migratedDatabase(pg);
    const { sql } = await database.pool();
    await sql`create table written (id int primary key, value text not null)`;
    return {
      // Each holder on a pool of its own, as separate processes are.
      lease: (holder, clock, ttlMs) => {
        const pool = database.pool(1);
        const lease = pool.then(({ sql }) =>
          createPgLease({ sql, clock, name: "test", holder, ttlMs })
        );
        return {
          name: "test",
          ttlMs,
          acquire: async () => (await lease).acquire(),
          renew: async (hold) => (await lease).renew(hold),
          release: async (hold) => (await lease).release(hold),
        };
      },
      fencedWrite: (hold, value) =>
        sql.begin(async (tx) => {
          if (!await pgLeaseHeld(tx, hold)) return false;
          await tx`
            insert into written (id, value) values (1, ${value})
            on conflict (id) do update set value = excluded.value`;
          return true;
        }),
      written: async () =>
        (await sql<{ value: string }[]>`select value from written`)[0]?.value ?? null,
      close: database.close,
    };
  });
}

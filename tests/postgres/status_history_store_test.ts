/** The status history store's contract on PostgreSQL. */
import { createPgLease } from "../../lib/server/cluster/mod.ts";
import { createPgStatusHistoryStore } from "../../lib/server/status_history/mod.ts";
import { statusHistoryStoreContract } from "../contracts/status_history_store.ts";
import { migratedDatabase, privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();

if (pg) {
  statusHistoryStoreContract("postgres", async () => {
    const database = await migratedDatabase(pg);
    const { sql } = await database.pool();
    return {
      store: createPgStatusHistoryStore({ sql }),
      lease: (holder, clock) => createPgLease({ sql, clock, name: "status_history", holder }),
      close: database.close,
    };
  });
}

/** The read positions contract on PostgreSQL, each store through its own pool. */
import { createPgReadPositions } from "../../lib/server/membership/mod.ts";
import { readPositionsContract } from "../contracts/read_positions.ts";
import { migratedDatabase, privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();

if (pg) {
  readPositionsContract("postgres", async () => {
    const database = await migratedDatabase(pg);
    return {
      open: async () => createPgReadPositions((await database.pool(2)).sql),
      close: database.close,
    };
  });
}

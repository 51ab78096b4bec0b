/** The message store contract on PostgreSQL, and what only that engine does. */
import { deepEqual, equal } from "node:assert/strict";
import { createPgMessageStore } from "../../lib/server/store/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { messageStoreContract } from "../contracts/message_store.ts";
import { migratedDatabase, privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();

if (pg) {
  // Every store on a pool of its own, as separate processes have.
  messageStoreContract("postgres", async () => {
    const database = await migratedDatabase(pg);
    return {
      store: async (options) => createPgMessageStore((await database.pool()).sql, options),
      close: database.close,
    };
  });

  Deno.test("message store (postgres): pruned messages are deleted, not only hidden", async () => {
    const database = await migratedDatabase(pg);
    try {
      const { sql } = await database.pool();
      const store = createPgMessageStore(sql, { historyMax: 10, clock: createVirtualClock(0) });
      const user = { id: "u1", name: "ada" };
      await Promise.all(
        Array.from(
          { length: 25 },
          (_, i) => store.commit({ room: "general", user, text: `m${i}`, cid: `c${i}` }),
        ),
      );
      const rows = await sql<{ seq: number }[]>`
        select seq from room_messages where room = 'general' order by seq`;
      deepEqual(rows.map((row) => row.seq), Array.from({ length: 10 }, (_, i) => 16 + i));
      const [{ head }] = await sql<{ head: number }[]>`select head from room_heads`;
      equal(head, 25);
    } finally {
      await database.close();
    }
  });
}

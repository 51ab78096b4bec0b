/** The message store contract on PostgreSQL, and what only that engine does. */
import { deepEqual, equal } from "node:assert/strict";
import { CID_TTL_MS, createPgMessageStore } from "../../lib/server/store/mod.ts";
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
      const user = { id: "u1", name: "ada", role: "user" as const };
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

  Deno.test("message store (postgres): commits delete expired receipts and unused rooms, no job needed", async () => {
    const database = await migratedDatabase(pg);
    try {
      const { sql } = await database.pool();
      const clock = createVirtualClock(0);
      const store = createPgMessageStore(sql, { historyMax: 100, clock, unusedRoomTtlMs: 60_000 });
      const user = { id: "u1", name: "ada", role: "user" as const };
      await store.commit({ room: "general", user, text: "old", cid: "old" });
      await store.ensureRoom("empty");
      clock.advance(CID_TTL_MS + 1);
      await store.commit({ room: "general", user, text: "new", cid: "new" });

      const receipts = await sql<{ cid: string }[]>`select cid from send_receipts order by cid`;
      deepEqual(receipts.map((row) => row.cid), ["new"]);
      const rooms = await sql<{ room: string }[]>`select room from room_heads order by room`;
      deepEqual(rooms.map((row) => row.room), ["general"]);
      equal((await store.commit({ room: "general", user, text: "old", cid: "old" })).created, true);
    } finally {
      await database.close();
    }
  });
}

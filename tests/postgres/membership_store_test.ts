/** The membership store contract on PostgreSQL, and what only that engine does. */
import { equal } from "node:assert/strict";
import { createPgMembershipStore } from "../../lib/server/membership/mod.ts";
import { createPgMessageStore } from "../../lib/server/store/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { membershipStoreContract } from "../contracts/membership_store.ts";
import { migratedDatabase, privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();
const seed = { id: "user:seed", name: "seed", role: "user" as const };
const NOW = 1_800_000_000_000;

if (pg) {
  membershipStoreContract("postgres", async () => {
    const database = await migratedDatabase(pg);
    const { sql } = await database.pool();
    const log = createPgMessageStore(sql, { historyMax: 100, clock: createVirtualClock() });
    return {
      store: createPgMembershipStore(sql),
      roomInLog: async (room) => void await log.commit({ room, user: seed, text: "hi", cid: room }),
      close: database.close,
    };
  });

  Deno.test("membership store (postgres): joins from several processes count each member once; one invitation lets one join in", async () => {
    const database = await migratedDatabase(pg);
    try {
      const stores = await Promise.all(
        [1, 2, 3].map(async () => createPgMembershipStore((await database.pool(2)).sql)),
      );
      await stores[0].ensurePublic("lobby", NOW);
      const users = Array.from({ length: 30 }, (_, i) => ({
        id: `user:${i}`,
        name: `u${i}`,
        role: "user" as const,
      }));
      // Every user joins twice at once, through different pools.
      await Promise.all(
        users.flatMap((user, i) => [
          stores[i % 3].addMember("lobby", user, { now: NOW }),
          stores[(i + 1) % 3].addMember("lobby", user, { now: NOW }),
        ]),
      );
      equal((await stores[0].memberCounts(["lobby"])).get("lobby"), 30);
      const [{ count }] = await (await database.pool(1)).sql<{ count: number }[]>`
        select count(*)::int as count from room_members where room = 'lobby'`;
      equal(count, 30);

      const owner = users[0];
      await stores[0].createRoom(
        { room: "team", visibility: "private", owner: owner.id, createdAt: NOW },
        owner,
      );
      const guest = { id: "guest:zed", name: "zed", role: "guest" as const };
      await stores[0].invite("team", guest, owner, NOW);
      const outcomes = await Promise.all(
        stores.map((store) =>
          store.addMember("team", guest, { now: NOW, requireInvitation: true })
        ),
      );
      equal(outcomes.filter((outcome) => outcome === "added").length, 1, String(outcomes));
      equal(outcomes.filter((outcome) => outcome === "not_invited").length, 0, String(outcomes));
      equal((await stores[0].memberCounts(["team"])).get("team"), 2);
    } finally {
      await database.close();
    }
  });
}

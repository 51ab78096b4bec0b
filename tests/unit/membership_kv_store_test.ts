/** The membership store contract, on Deno KV. */
import { deepEqual, equal } from "node:assert/strict";
import { membershipStoreContract } from "../contracts/membership_store.ts";
import { createKvMembershipStore } from "../../lib/server/membership/mod.ts";
import { createMessageStore } from "../../lib/server/store/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

membershipStoreContract("kv", async () => {
  const kv = await Deno.openKv(":memory:");
  const log = createMessageStore(kv, { historyMax: 100, clock: createVirtualClock() });
  const user = { id: "user:seed", name: "seed", role: "user" as const };
  return {
    store: createKvMembershipStore({ kv }),
    roomInLog: async (room) => void await log.commit({ room, user, text: "hi", cid: room }),
    close: () => kv.close(),
  };
});

Deno.test("first joins into a new room at once make its metadata with one write, all finding the same", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let commits = 0;
    const counted = new Proxy(kv, {
      get(target, property) {
        if (property !== "atomic") return Reflect.get(target, property, target).bind(target);
        return () => {
          const operation = target.atomic();
          const commit = operation.commit.bind(operation);
          operation.commit = () => (commits++, commit());
          return operation;
        };
      },
    });
    const store = createKvMembershipStore({ kv: counted });
    const infos = await Promise.all(
      Array.from({ length: 50 }, (_, index) => store.ensurePublic("lobby", 1_000 + index)),
    );
    equal(commits, 1);
    for (const info of infos) deepEqual(info, infos[0]);
    deepEqual(await store.ensurePublic("lobby", 5_000), infos[0], "stored, and read back later");
    equal(commits, 1);
  } finally {
    kv.close();
  }
});

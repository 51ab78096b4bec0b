/** The membership store contract, on Deno KV. */
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

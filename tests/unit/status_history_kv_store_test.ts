/** The status history store's contract, run against Deno KV (in memory). */
import { createKvLease } from "../../lib/server/cluster/mod.ts";
import { createKvStatusHistoryStore } from "../../lib/server/status_history/mod.ts";
import { statusHistoryStoreContract } from "../contracts/status_history_store.ts";

statusHistoryStoreContract("kv", async () => {
  const kv = await Deno.openKv(":memory:");
  return {
    store: createKvStatusHistoryStore({ kv }),
    lease: (holder, clock) => createKvLease({ kv, clock, name: "status_history", holder }),
    close: () => kv.close(),
  };
});

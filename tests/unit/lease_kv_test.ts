/** The lease contract, run against Deno KV (in memory), in virtual time. */
import { createKvLease, leaseCheck } from "../../lib/server/cluster/mod.ts";
import { leaseContract } from "../contracts/lease.ts";

leaseContract("kv", async () => {
  const kv = await Deno.openKv(":memory:");
  return {
    lease: (holder, clock, ttlMs) => createKvLease({ kv, clock, name: "test", holder, ttlMs }),
    fencedWrite: async (hold, value) =>
      (await kv.atomic().check(leaseCheck(hold)).set(["written"], value).commit()).ok,
    written: async () => (await kv.get<string>(["written"])).value,
    close: () => kv.close(),
  };
});

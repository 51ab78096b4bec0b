/** The accounts store contract, on Deno KV. */
import { accountsStoreContract } from "../contracts/accounts_store.ts";
import { createAccounts } from "../../lib/server/accounts/mod.ts";

accountsStoreContract("kv", async (guestHoldMs) => {
  const kv = await Deno.openKv(":memory:");
  return { accounts: createAccounts(kv, { guestHoldMs }), close: () => kv.close() };
});

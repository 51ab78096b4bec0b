/** The contracts of the accounts', sign-ins' and sign-outs' stores, and of closed rooms, on Deno KV. */
import {
  createKnownAddresses,
  createKvAccountStore,
  createKvMissingAdminNames,
} from "../../lib/server/accounts/mod.ts";
import {
  createKvJwtSecretStore,
  createKvRefreshRecords,
  createKvSignedOutStore,
} from "../../lib/server/auth/mod.ts";
import { createKvClosedRoomFlags } from "../../lib/server/rooms/mod.ts";
import {
  accountsContract,
  accountStoreContract,
  closedRoomFlagsContract,
  jwtSecretStoreContract,
  knownAddressesContract,
  missingAdminNamesContract,
  refreshRecordStoreContract,
  signedOutStoreContract,
  type StoreFixture,
} from "../contracts/account_stores.ts";

/** Stores made by `make`, each on its own handle to one KV file. */
function onKvFile<T>(make: (kv: Deno.Kv) => T): () => Promise<StoreFixture<T>> {
  return async () => {
    const dir = await Deno.makeTempDir({ prefix: "stores_kv_" });
    const handles: Deno.Kv[] = [];
    return {
      async open() {
        const kv = await Deno.openKv(`${dir}/stores.kv`);
        handles.push(kv);
        return make(kv);
      },
      async close() {
        for (const kv of handles) kv.close();
        await Deno.remove(dir, { recursive: true });
      },
    };
  };
}

accountStoreContract("kv", onKvFile(createKvAccountStore));
accountsContract("kv", onKvFile(createKvAccountStore));
knownAddressesContract("kv", onKvFile((kv) => createKnownAddresses(kv)));
missingAdminNamesContract("kv", onKvFile(createKvMissingAdminNames));
refreshRecordStoreContract("kv", onKvFile(createKvRefreshRecords));
jwtSecretStoreContract("kv", onKvFile(createKvJwtSecretStore));
closedRoomFlagsContract("kv", onKvFile(createKvClosedRoomFlags));
signedOutStoreContract("kv", onKvFile(createKvSignedOutStore));

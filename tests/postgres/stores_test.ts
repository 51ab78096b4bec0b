/** The contracts of the accounts', sign-ins' and sign-outs' stores, and of closed rooms, on PostgreSQL. */
import {
  createPgAccountStore,
  createPgKnownAddresses,
  createPgMissingAdminNames,
} from "../../lib/server/accounts/mod.ts";
import {
  createPgJwtSecretStore,
  createPgRefreshRecords,
  createPgSignedOutStore,
} from "../../lib/server/auth/mod.ts";
import { createPgClosedRoomFlags } from "../../lib/server/rooms/mod.ts";
import type { Sql } from "../../lib/server/postgres/mod.ts";
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
import { migratedDatabase, type PrivatePostgres, privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();

/** Stores made by `make`, each on a pool of its own on one migrated database. */
function onDatabase<T>(
  cluster: PrivatePostgres,
  make: (sql: Sql) => T,
): () => Promise<StoreFixture<T>> {
  return async () => {
    const database = await migratedDatabase(cluster);
    return {
      open: async () => make((await database.pool(2)).sql),
      close: database.close,
    };
  };
}

if (pg) {
  accountStoreContract("postgres", onDatabase(pg, createPgAccountStore));
  accountsContract("postgres", onDatabase(pg, createPgAccountStore));
  knownAddressesContract("postgres", onDatabase(pg, (sql) => createPgKnownAddresses(sql)));
  missingAdminNamesContract("postgres", onDatabase(pg, createPgMissingAdminNames));
  refreshRecordStoreContract("postgres", onDatabase(pg, createPgRefreshRecords));
  jwtSecretStoreContract("postgres", onDatabase(pg, createPgJwtSecretStore));
  closedRoomFlagsContract("postgres", onDatabase(pg, createPgClosedRoomFlags));
  signedOutStoreContract("postgres", onDatabase(pg, createPgSignedOutStore));
}

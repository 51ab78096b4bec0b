/**
 * The accounts' stores in PostgreSQL (tables `accounts`, `account_skeletons`,
 * `account_skeleton_versions`, `known_addresses` and `admin_names_missing`;
 * see `../postgres/migrations.ts`): the {@linkcode AccountStore}, the
 * {@linkcode KnownAddresses} and the {@linkcode MissingAdminNames}, each the
 * same as its Deno KV twin to its callers.
 *
 * @example
 * ```ts
 * const accounts = createAccounts(createPgAccountStore(pg.sql));
 * const known = createPgKnownAddresses(pg.sql);
 * const missing = createPgMissingAdminNames(pg.sql);
 * ```
 */
import type { Sql } from "../postgres/mod.ts";
import type { Account } from "./accounts.ts";
import type { AccountStore } from "./account_store.ts";
import type { MissingAdminNames } from "./admin_users.ts";
import type { KnownAddresses } from "./known_addresses.ts";
import { nameKey } from "./names.ts";

/** Accounts read by `entries()` at a time. */
const ENTRIES_PAGE = 500;

/** The key or the skeleton of a new account is taken: its transaction is rolled back. */
class Taken extends Error {}

/** Creates the {@linkcode AccountStore} in PostgreSQL. */
export function createPgAccountStore(sql: Sql): AccountStore {
  return {
    async get(key) {
      const [row] = await sql<{ account: Account }[]>`
        select account from accounts where name_key = ${key}`;
      return row?.account ?? null;
    },
    async skeletonHolder(skeleton) {
      const [row] = await sql<{ name_key: string }[]>`
        select name_key from account_skeletons where skeleton = ${skeleton}`;
      return row?.name_key ?? null;
    },
    async insert(key, skeleton, account) {
      try {
        await sql.begin(async (tx) => {
          const claimed = await tx`
            insert into account_skeletons (skeleton, name_key) values (${skeleton}, ${key})
            on conflict (skeleton) do nothing returning 1`;
          if (claimed.length === 0) throw new Taken();
          const inserted = await tx`
            insert into accounts (name_key, id, account)
            values (${key}, ${account.id}, ${tx.json(account)})
            on conflict (name_key) do nothing returning 1`;
          // Throwing rolls the skeleton's claim back too: both or neither.
          if (inserted.length === 0) throw new Taken();
        });
        return true;
      } catch (error) {
        if (error instanceof Taken) return false;
        throw error;
      }
    },
    update(key, change) {
      return sql.begin(async (tx) => {
        const [row] = await tx<{ account: Account }[]>`
          select account from accounts where name_key = ${key} for update`;
        if (!row) return null;
        const account = change(row.account);
        await tx`update accounts set account = ${tx.json(account)} where name_key = ${key}`;
        return account;
      });
    },
    async claimSkeleton(skeleton, key) {
      await sql`
        insert into account_skeletons (skeleton, name_key) values (${skeleton}, ${key})
        on conflict (skeleton) do nothing`;
    },
    async *entries() {
      let after = "";
      for (;;) {
        const rows = await sql<{ name_key: string; account: Account }[]>`
          select name_key, account from accounts where name_key > ${after}
          order by name_key limit ${ENTRIES_PAGE}`;
        for (const row of rows) yield { key: row.name_key, account: row.account };
        if (rows.length < ENTRIES_PAGE) return;
        after = rows[rows.length - 1].name_key;
      }
    },
    async skeletonsIndexed(version) {
      const rows = await sql`
        select 1 from account_skeleton_versions where version = ${String(version)}`;
      return rows.length === 1;
    },
    async markSkeletonsIndexed(version, now) {
      await sql`
        insert into account_skeleton_versions (version, indexed_at)
        values (${String(version)}, ${now}) on conflict (version) do nothing`;
    },
  };
}

/** Creates the {@linkcode KnownAddresses} in PostgreSQL: the newest `max` (default 10) per account. */
export function createPgKnownAddresses(sql: Sql, { max = 10 } = {}): KnownAddresses {
  const has = async (accountId: string, address: string) => {
    const rows = await sql`
      select 1 from known_addresses where account_id = ${accountId} and address = ${address}`;
    return rows.length === 1;
  };
  return {
    has,
    async remember(accountId, address) {
      // An address already known costs no write, as in KV.
      if (await has(accountId, address)) return;
      await sql.begin(async (tx) => {
        await tx`
          insert into known_addresses (account_id, address) values (${accountId}, ${address})
          on conflict (account_id, address) do nothing`;
        await tx`
          delete from known_addresses where account_id = ${accountId} and address not in (
            select address from known_addresses where account_id = ${accountId}
            order by added desc limit ${max})`;
      });
    },
  };
}

/** Creates the {@linkcode MissingAdminNames} in PostgreSQL. */
export function createPgMissingAdminNames(sql: Sql): MissingAdminNames {
  return {
    async since(name) {
      const [row] = await sql<{ since: number }[]>`
        select since from admin_names_missing where name_key = ${nameKey(name)}`;
      return row?.since ?? null;
    },
    async remember(name, now) {
      await sql`
        insert into admin_names_missing (name_key, since) values (${nameKey(name)}, ${now})
        on conflict (name_key) do nothing`;
    },
  };
}

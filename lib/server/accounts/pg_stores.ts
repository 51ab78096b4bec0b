/**
 * The accounts' stores in PostgreSQL (tables `accounts`, `account_skeletons`,
 * `account_skeleton_versions`, `guest_names`, `known_addresses` and
 * `admin_names_missing`; see `../postgres/migrations.ts`): the
 * {@linkcode AccountStore}, the {@linkcode KnownAddresses} and the
 * {@linkcode MissingAdminNames}, each the same as its Deno KV twin to its
 * callers.
 *
 * Registering an account and claiming a guest's name both take a
 * transaction-level advisory lock on the name's skeleton first, so the two
 * run one after the other for one skeleton, and each sees what the other
 * committed: never an account and an active guest under one name.
 *
 * @example
 * ```ts
 * const accounts = createAccounts(createPgAccountStore(pg.sql));
 * const known = createPgKnownAddresses(pg.sql);
 * const missing = createPgMissingAdminNames(pg.sql);
 * ```
 */
import type { Sql, TransactionSql } from "../postgres/mod.ts";
import type { Account } from "./accounts.ts";
import type { AccountStore } from "./account_store.ts";
import type { MissingAdminNames } from "./admin_users.ts";
import type { KnownAddresses } from "./known_addresses.ts";
import { nameKey } from "./names.ts";
import { type GuestNameHold, isActiveHold } from "./guest_names.ts";

/** Accounts read by `entries()` at a time. */
const ENTRIES_PAGE = 500;
/** Most lapsed guest holds one claim deletes, so that none is held up for long. */
const PRUNE_BATCH = 100;
/** Past every string that starts with the one it follows, in byte order. */
const PREFIX_END = "\u{10FFFF}";

/** Makes registrations and guest claims of one skeleton take turns until the transaction ends. */
async function lockSkeleton(tx: TransactionSql, skeleton: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${"name:" + skeleton}, 0))`;
}

/** The guest hold on `skeleton` as `tx` sees it, or null. */
async function holdIn(tx: TransactionSql | Sql, skeleton: string): Promise<GuestNameHold | null> {
  const [row] = await tx<{ hold: GuestNameHold }[]>`
    select hold from guest_names where skeleton = ${skeleton}`;
  return row?.hold ?? null;
}

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
    async insert(key, skeleton, account, now) {
      try {
        await sql.begin(async (tx) => {
          await lockSkeleton(tx, skeleton);
          if (isActiveHold(await holdIn(tx, skeleton), now)) throw new Taken();
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
    async accountsFrom(prefix, limit) {
      const rows = await sql<{ account: Account }[]>`
        select account from accounts
        where name_key collate "C" >= ${prefix} and name_key collate "C" < ${prefix + PREFIX_END}
        order by name_key collate "C" limit ${limit}`;
      return rows.map((row) => row.account);
    },
    guestHold: (skeleton) => holdIn(sql, skeleton),
    holdGuestName(skeleton, hold, now) {
      return sql.begin(async (tx) => {
        await lockSkeleton(tx, skeleton);
        const [byAccount] = await tx`select 1 from account_skeletons where skeleton = ${skeleton}`;
        const held = await holdIn(tx, skeleton);
        if (byAccount || (isActiveHold(held, now) && held.guestId !== hold.guestId)) return false;
        await tx`
          insert into guest_names (skeleton, guest_id, hold, until)
          values (${skeleton}, ${hold.guestId}, ${tx.json(hold)}, ${hold.until})
          on conflict (skeleton) do update
            set guest_id = excluded.guest_id, hold = excluded.hold, until = excluded.until`;
        // Lapsed holds of names nobody uses any more (KV forgets them by itself, `expireIn`);
        // rows another claim is renewing are skipped, and rechecked if renewed meanwhile.
        await tx`
          delete from guest_names where until <= ${now} and skeleton in (
            select skeleton from guest_names where until <= ${now}
            limit ${PRUNE_BATCH} for update skip locked)`;
        return true;
      });
    },
    async releaseGuestName(skeleton, guestId) {
      await sql`delete from guest_names where skeleton = ${skeleton} and guest_id = ${guestId}`;
    },
    async guestHoldsFrom(prefix, limit) {
      const rows = await sql<{ hold: GuestNameHold }[]>`
        select hold from guest_names
        where skeleton >= ${prefix} and skeleton < ${prefix + PREFIX_END}
        order by skeleton limit ${limit}`;
      return rows.map((row) => row.hold);
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

/**
 * The {@linkcode AccountStore} in Deno KV.
 *
 * | key | value |
 * | --- | --- |
 * | `["auth", "accounts", key]` | {@linkcode Account}, by the name's case-folded key |
 * | `["auth", "skeletons", skeleton]` | the key of the account whose name has this skeleton |
 * | `["auth", "skeletons_indexed", version]` | set once every account's skeleton is indexed |
 * | `["auth", "guest_names", skeleton]` | a guest's {@linkcode GuestNameHold}, expiring at its `until` |
 *
 * @example
 * ```ts
 * const accounts = createAccounts(createKvAccountStore(await Deno.openKv(":memory:")));
 * ```
 */
import { retryWhenLocked } from "../store/mod.ts";
import type { Account } from "./accounts.ts";
import type { AccountStore } from "./account_store.ts";
import { type GuestNameHold, isActiveHold } from "./guest_names.ts";

const accountKey = (key: string): Deno.KvKey => ["auth", "accounts", key];
const skeletonKey = (skeleton: string): Deno.KvKey => ["auth", "skeletons", skeleton];
const indexedKey = (version: number): Deno.KvKey => ["auth", "skeletons_indexed", version];
const guestNameKey = (skeleton: string): Deno.KvKey => ["auth", "guest_names", skeleton];
const ACCOUNTS_PREFIX: Deno.KvKey = ["auth", "accounts"];

/** Past every string that starts with the one it follows, in KV's key order. */
const PREFIX_END = "\u{10FFFF}";

/** Tries of an update that lost a race to another writer of the same account. */
const UPDATE_TRIES = 10;

/** Creates the {@linkcode AccountStore} on `kv`. */
export function createKvAccountStore(kv: Deno.Kv): AccountStore {
  return {
    async get(key) {
      return (await kv.get<Account>(accountKey(key))).value;
    },
    async skeletonHolder(skeleton) {
      return (await kv.get<string>(skeletonKey(skeleton))).value;
    },
    async insert(key, skeleton, account, now) {
      const hold = await kv.get<GuestNameHold>(guestNameKey(skeleton));
      if (isActiveHold(hold.value, now)) return false;
      const result = await retryWhenLocked(() =>
        kv.atomic()
          .check({ key: accountKey(key), versionstamp: null })
          .check({ key: skeletonKey(skeleton), versionstamp: null })
          // A guest that claimed the name (or renewed its hold) since it was read wins.
          .check(hold)
          .set(accountKey(key), account)
          .set(skeletonKey(skeleton), key)
          .commit()
      );
      return result.ok;
    },
    async update(key, change) {
      for (let attempt = 0; attempt < UPDATE_TRIES; attempt++) {
        const entry = await kv.get<Account>(accountKey(key));
        if (!entry.value) return null;
        const account = change(entry.value);
        const result = await retryWhenLocked(() =>
          kv.atomic().check(entry).set(entry.key, account).commit()
        );
        if (result.ok) return account;
      }
      throw new Error(`the account ${key} kept changing under us`);
    },
    async claimSkeleton(skeleton, key) {
      await retryWhenLocked(() =>
        kv.atomic().check({ key: skeletonKey(skeleton), versionstamp: null })
          .set(skeletonKey(skeleton), key).commit()
      );
    },
    async *entries() {
      for await (const entry of kv.list<Account>({ prefix: ACCOUNTS_PREFIX })) {
        yield { key: String(entry.key[2]), account: entry.value };
      }
    },
    async skeletonsIndexed(version) {
      return (await kv.get(indexedKey(version))).value !== null;
    },
    async markSkeletonsIndexed(version, now) {
      await retryWhenLocked(() => kv.set(indexedKey(version), now));
    },
    async accountsFrom(prefix, limit) {
      const accounts: Account[] = [];
      const selector = { start: accountKey(prefix), end: accountKey(prefix + PREFIX_END) };
      for await (const { value } of kv.list<Account>(selector, { limit })) accounts.push(value);
      return accounts;
    },
    async guestHold(skeleton) {
      return (await kv.get<GuestNameHold>(guestNameKey(skeleton))).value;
    },
    async holdGuestName(skeleton, hold, now) {
      const entry = await kv.get<GuestNameHold>(guestNameKey(skeleton));
      if (isActiveHold(entry.value, now) && entry.value.guestId !== hold.guestId) return false;
      const result = await retryWhenLocked(() =>
        kv.atomic()
          .check({ key: skeletonKey(skeleton), versionstamp: null })
          .check(entry)
          .set(entry.key, hold, { expireIn: Math.max(1, hold.until - now) })
          .commit()
      );
      return result.ok;
    },
    async releaseGuestName(skeleton, guestId) {
      const entry = await kv.get<GuestNameHold>(guestNameKey(skeleton));
      if (entry.value?.guestId !== guestId) return;
      await retryWhenLocked(() => kv.atomic().check(entry).delete(entry.key).commit());
    },
    async guestHoldsFrom(prefix, limit) {
      const holds: GuestNameHold[] = [];
      const selector = { start: guestNameKey(prefix), end: guestNameKey(prefix + PREFIX_END) };
      for await (const { value } of kv.list<GuestNameHold>(selector, { limit })) holds.push(value);
      return holds;
    },
  };
}

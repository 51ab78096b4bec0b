/**
 * The {@linkcode AccountStore} in Deno KV.
 *
 * | key | value |
 * | --- | --- |
 * | `["auth", "accounts", key]` | {@linkcode Account}, by the name's case-folded key |
 * | `["auth", "skeletons", skeleton]` | the key of the account whose name has this skeleton |
 * | `["auth", "skeletons_indexed", version]` | set once every account's skeleton is indexed |
 *
 * @example
 * ```ts
 * const accounts = createAccounts(createKvAccountStore(await Deno.openKv(":memory:")));
 * ```
 */
import { retryWhenLocked } from "../store/mod.ts";
import type { Account } from "./accounts.ts";
import type { AccountStore } from "./account_store.ts";

const accountKey = (key: string): Deno.KvKey => ["auth", "accounts", key];
const skeletonKey = (skeleton: string): Deno.KvKey => ["auth", "skeletons", skeleton];
const indexedKey = (version: number): Deno.KvKey => ["auth", "skeletons_indexed", version];
const ACCOUNTS_PREFIX: Deno.KvKey = ["auth", "accounts"];

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
    async insert(key, skeleton, account) {
      const result = await retryWhenLocked(() =>
        kv.atomic()
          .check({ key: accountKey(key), versionstamp: null })
          .check({ key: skeletonKey(skeleton), versionstamp: null })
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
  };
}

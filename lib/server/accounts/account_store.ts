/**
 * Where accounts are kept, by the case-folded key of their name
 * (`names.ts`'s `nameKey`), with the index of their names' look-alike
 * skeletons (`confusables.ts`). {@linkcode createAccounts} decides who may
 * hold a name; a store only keeps what it decided, atomically: an account
 * and its skeleton are claimed together or not at all.
 *
 * Engines: Deno KV (`kv_account_store.ts`), PostgreSQL (`pg_stores.ts`);
 * both pass `tests/contracts/account_stores.ts`.
 *
 * @example
 * ```ts
 * const store: AccountStore = createKvAccountStore(kv);
 * await store.insert("ada", skeletonOf("ada"), account); // false if either is taken
 * await store.get("ada"); // the account
 * ```
 */
import type { Account } from "./accounts.ts";

/** The accounts' storage. */
export interface AccountStore {
  /** The account under `key`, or null. */
  get(key: string): Promise<Account | null>;
  /** The key of the account that claimed `skeleton`, or null. */
  skeletonHolder(skeleton: string): Promise<string | null>;
  /**
   * Stores a new account under `key` and claims `skeleton` for it, both or
   * neither: false when the key or the skeleton is taken already.
   */
  insert(key: string, skeleton: string, account: Account): Promise<boolean>;
  /** Replaces the account under `key` with `change(account)`, atomically; null if there is none. */
  update(key: string, change: (account: Account) => Account): Promise<Account | null>;
  /** Claims `skeleton` for the account under `key`, unless an account claimed it already. */
  claimSkeleton(skeleton: string, key: string): Promise<void>;
  /** Every account with its key (to index accounts made before skeletons were kept). */
  entries(): AsyncIterable<{ key: string; account: Account }>;
  /** Whether every account's skeleton was indexed under this version of the table. */
  skeletonsIndexed(version: number): Promise<boolean>;
  /** Records that every account's skeleton is indexed under `version`. */
  markSkeletonsIndexed(version: number, now: number): Promise<void>;
}

/**
 * Where accounts are kept, by the case-folded key of their name
 * (`names.ts`'s `nameKey`), with the index of their names' look-alike
 * skeletons (`confusables.ts`) and the names active guests hold, by skeleton
 * too (`guest_names.ts`). {@linkcode createAccounts} decides who may hold a
 * name; a store only keeps what it decided, atomically: an account and its
 * skeleton are claimed together or not at all, and an account's skeleton and
 * a guest's hold on it each check the other in the step that writes them.
 *
 * Engines: Deno KV (`kv_account_store.ts`), PostgreSQL (`pg_stores.ts`);
 * both pass `tests/contracts/account_stores.ts`.
 *
 * @example
 * ```ts
 * const store: AccountStore = createKvAccountStore(kv);
 * await store.insert("ada", skeletonOf("ada"), account, now); // false if either is taken
 * await store.get("ada"); // the account
 * ```
 */
import type { Account } from "./accounts.ts";
import type { GuestNameHold } from "./guest_names.ts";

/** The accounts' storage. */
export interface AccountStore {
  /** The account under `key`, or null. */
  get(key: string): Promise<Account | null>;
  /** The key of the account that claimed `skeleton`, or null. */
  skeletonHolder(skeleton: string): Promise<string | null>;
  /**
   * Stores a new account under `key` and claims `skeleton` for it, both or
   * neither: false when the key or the skeleton is taken already, or a
   * guest's hold on `skeleton` is active at `now`.
   */
  insert(key: string, skeleton: string, account: Account, now: number): Promise<boolean>;
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
  /**
   * Accounts whose key starts with `prefix`, by key, at most `limit`
   * (people found by name).
   */
  accountsFrom(prefix: string, limit: number): Promise<Account[]>;
  /** The guest's hold on names with `skeleton`, lapsed or not; null if none. */
  guestHold(skeleton: string): Promise<GuestNameHold | null>;
  /**
   * Stores `hold` on `skeleton`, unless an account claimed the skeleton or
   * another guest's hold on it is active at `now`: false then, and nothing
   * changes. The hold may be dropped once `hold.until` has passed.
   */
  holdGuestName(skeleton: string, hold: GuestNameHold, now: number): Promise<boolean>;
  /** Ends `guestId`'s hold on `skeleton`; another's is left alone. */
  releaseGuestName(skeleton: string, guestId: string): Promise<void>;
  /**
   * Holds whose skeleton starts with `prefix`, by skeleton, at most `limit`,
   * lapsed ones maybe among them.
   */
  guestHoldsFrom(prefix: string, limit: number): Promise<GuestNameHold[]>;
}

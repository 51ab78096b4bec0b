/**
 * Registered accounts: the one place that decides who may hold a name
 * (`names.ts`: normalised, unique once case-folded, one script, no look-alike
 * of another account) and who is an administrator (the role kept on the
 * account, never a match on a name someone could register). They are kept in
 * an {@linkcode AccountStore}: Deno KV (`kv_account_store.ts`) or PostgreSQL
 * (`pg_stores.ts`).
 *
 * @example
 * ```ts
 * const accounts = createAccounts(createKvAccountStore(kv));
 * await accounts.register("ada", "correct horse"); // { ok: true, account }
 * await accounts.find("ADA"); // the same account
 * await accounts.register("аda", "correct horse"); // { ok: false, reason: "mixed_scripts", … }
 * ```
 */
import { hashPassword, type PasswordHash } from "./passwords.ts";
import { checkName, nameKey, type RefusedName } from "./names.ts";
import { SKELETON_VERSION, skeletonOf } from "./confusables.ts";
import type { AccountStore } from "./account_store.ts";

/** The roles an account may hold; guests are not accounts. */
export type AccountRole = "user" | "admin";

/** A registered account. */
export interface Account {
  id: string;
  /** The name as registered (NFKC). */
  name: string;
  password: PasswordHash;
  createdAt: number;
  /** Absent on accounts made before roles were kept: `user`. */
  role?: AccountRole;
}

/** Why a name cannot be registered. */
export type NameRefusal =
  | RefusedName
  | { ok: false; reason: "taken"; message: string }
  | { ok: false; reason: "confusable"; message: string };

/** The outcome of {@linkcode Accounts.register}. */
export type Registration = { ok: true; account: Account } | NameRefusal;

/** The outcome of {@linkcode Accounts.setRole}. */
export type RoleChange = { ok: true; account: Account } | { ok: false; reason: "unknown" };

/** The account store. */
export interface Accounts {
  /** The account holding `name` (as normalised and folded), or null. */
  find(name: string): Promise<Account | null>;
  /** Registers `name`, unless it is malformed, mixes scripts, is held, or looks like a held name. */
  register(
    name: string,
    password: string,
    options?: { role?: AccountRole; now?: number },
  ): Promise<Registration>;
  /**
   * Whether a guest may show under `name`: refused when it is malformed,
   * mixes scripts, is an account's name, or looks like one.
   */
  checkGuestName(name: string): Promise<{ ok: true; name: string } | NameRefusal>;
  /** Stores `role` on the account holding `name`. */
  setRole(name: string, role: AccountRole): Promise<RoleChange>;
  /**
   * Indexes the skeleton of every account made before skeletons were kept
   * (or under an older table), once per database; later calls read one key.
   */
  indexSkeletons(): Promise<void>;
}

/** Accounts were once keyed by NFC and lower case; such a key is still read. */
const legacyKey = (name: string) => name.normalize("NFC").toLowerCase();

const TAKEN = "this name is registered; log in with its password";
const CONFUSABLE = "this name looks too much like a registered name; pick another";

/** Creates the {@linkcode Accounts}, kept in `store`. */
export function createAccounts(store: AccountStore): Accounts {
  const find = async (name: string): Promise<Account | null> => {
    const key = nameKey(name);
    const found = await store.get(key);
    if (found || legacyKey(name) === key) return found;
    return await store.get(legacyKey(name));
  };

  /** Why a name is not free: an account holds it, or one whose name looks like it; null if free. */
  const holder = async (name: string, skeleton: string): Promise<NameRefusal | null> => {
    if (await find(name)) return { ok: false, reason: "taken", message: TAKEN };
    const byLook = await store.skeletonHolder(skeleton);
    return byLook === null ? null : { ok: false, reason: "confusable", message: CONFUSABLE };
  };

  return {
    find,

    async register(raw, password, { role = "user", now = Date.now() } = {}) {
      const checked = checkName(raw);
      if (!checked.ok) return checked;
      const { name, key, skeleton } = checked;
      const held = await holder(name, skeleton);
      if (held) return held;
      const account: Account = {
        id: `user:${crypto.randomUUID()}`,
        name,
        password: await hashPassword(password),
        createdAt: now,
        role,
      };
      if (await store.insert(key, skeleton, account)) return { ok: true, account };
      // Someone registered it, or a look-alike, while the password was hashed.
      return await holder(name, skeleton) ??
        { ok: false, reason: "confusable", message: CONFUSABLE };
    },

    async checkGuestName(raw) {
      const checked = checkName(raw);
      if (!checked.ok) return checked;
      return await holder(checked.name, checked.skeleton) ?? { ok: true, name: checked.name };
    },

    async setRole(name, role) {
      const change = (account: Account): Account => ({ ...account, role });
      const key = nameKey(name);
      const account = await store.update(key, change) ??
        (legacyKey(name) === key ? null : await store.update(legacyKey(name), change));
      return account ? { ok: true, account } : { ok: false, reason: "unknown" };
    },

    async indexSkeletons() {
      if (await store.skeletonsIndexed(SKELETON_VERSION)) return;
      for await (const { key, account } of store.entries()) {
        // The first account to claim a skeleton keeps it; a look-alike registered earlier stays.
        await store.claimSkeleton(skeletonOf(nameKey(account.name)), key);
      }
      await store.markSkeletonsIndexed(SKELETON_VERSION, Date.now());
    },
  };
}

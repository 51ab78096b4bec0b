/**
 * Registered accounts in Deno KV: the one place that decides who may hold a
 * name (`names.ts`: normalised, unique once case-folded, one script, no
 * look-alike of another account) and who is an administrator (the role kept on
 * the account, never a match on a name someone could register).
 *
 * | key | value |
 * | --- | --- |
 * | `["auth", "accounts", key]` | {@linkcode Account}, by the name's case-folded key |
 * | `["auth", "skeletons", skeleton]` | the key of the account whose name has this skeleton |
 * | `["auth", "skeletons_indexed", version]` | set once every account's skeleton is indexed |
 * | `["auth", "admin_users_missing", key]` | when `ADMIN_USERS` first named a key no account held |
 *
 * @example
 * ```ts
 * const accounts = createAccounts(kv);
 * await accounts.register("ada", "correct horse"); // { ok: true, account }
 * await accounts.find("ADA"); // the same account
 * await accounts.register("аda", "correct horse"); // { ok: false, reason: "mixed_scripts", … }
 * ```
 */
import { hashPassword, type PasswordHash } from "./passwords.ts";
import { retryWhenLocked } from "../store/mod.ts";
import { checkName, nameKey, type RefusedName } from "./names.ts";
import { SKELETON_VERSION, skeletonOf } from "./confusables.ts";

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

const accountKey = (key: string): Deno.KvKey => ["auth", "accounts", key];
const skeletonKey = (skeleton: string): Deno.KvKey => ["auth", "skeletons", skeleton];
const ACCOUNTS_PREFIX: Deno.KvKey = ["auth", "accounts"];
const INDEXED_KEY: Deno.KvKey = ["auth", "skeletons_indexed", SKELETON_VERSION];

/** Accounts were once keyed by NFC and lower case; such a key is still read. */
const legacyKey = (name: string) => name.normalize("NFC").toLowerCase();

const TAKEN = "this name is registered; log in with its password";
const CONFUSABLE = "this name looks too much like a registered name; pick another";

/** Creates the {@linkcode Accounts} store on `kv`. */
export function createAccounts(kv: Deno.Kv): Accounts {
  const find = async (name: string): Promise<Account | null> => {
    const key = nameKey(name);
    const found = (await kv.get<Account>(accountKey(key))).value;
    if (found || legacyKey(name) === key) return found;
    return (await kv.get<Account>(accountKey(legacyKey(name)))).value;
  };

  /** Why a name is not free: an account holds it, or one whose name looks like it; null if free. */
  const holder = async (name: string, skeleton: string): Promise<NameRefusal | null> => {
    if (await find(name)) return { ok: false, reason: "taken", message: TAKEN };
    const byLook = await kv.get<string>(skeletonKey(skeleton));
    return byLook.value === null ? null : { ok: false, reason: "confusable", message: CONFUSABLE };
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
      const result = await retryWhenLocked(() =>
        kv.atomic()
          .check({ key: accountKey(key), versionstamp: null })
          .check({ key: skeletonKey(skeleton), versionstamp: null })
          .set(accountKey(key), account)
          .set(skeletonKey(skeleton), key)
          .commit()
      );
      if (result.ok) return { ok: true, account };
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
      for (let attempt = 0; attempt < 10; attempt++) {
        const key = nameKey(name);
        let entry = await kv.get<Account>(accountKey(key));
        if (!entry.value) entry = await kv.get<Account>(accountKey(legacyKey(name)));
        if (!entry.value) return { ok: false, reason: "unknown" };
        const account = { ...entry.value, role };
        const current = entry;
        const result = await retryWhenLocked(() =>
          kv.atomic().check(current).set(current.key, account).commit()
        );
        if (result.ok) return { ok: true, account };
      }
      throw new Error(`the role of ${name} kept changing under us`);
    },

    async indexSkeletons() {
      if ((await kv.get(INDEXED_KEY)).value !== null) return;
      for await (const entry of kv.list<Account>({ prefix: ACCOUNTS_PREFIX })) {
        const key = String(entry.key[2]);
        const skeleton = skeletonOf(nameKey(entry.value.name));
        // The first account to claim a skeleton keeps it; a look-alike registered earlier stays.
        await retryWhenLocked(() =>
          kv.atomic().check({ key: skeletonKey(skeleton), versionstamp: null })
            .set(skeletonKey(skeleton), key).commit()
        );
      }
      await retryWhenLocked(() => kv.set(INDEXED_KEY, Date.now()));
    },
  };
}

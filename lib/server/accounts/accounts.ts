/**
 * Registered accounts in Deno KV: the one place that decides who may hold a
 * name (`names.ts`: normalised, unique once case-folded, one script, no
 * look-alike of another account or of an active guest's name) and who is an
 * administrator (the role kept on the account, never a match on a name someone
 * could register). Guests are not accounts, but they hold their name while
 * active (`guest_names.ts`): claiming a guest name and registering one check
 * each other's keys in one atomic operation, so two people never end up under
 * one name, however the requests interleave.
 *
 * | key | value |
 * | --- | --- |
 * | `["auth", "accounts", key]` | {@linkcode Account}, by the name's case-folded key |
 * | `["auth", "skeletons", skeleton]` | the key of the account whose name has this skeleton |
 * | `["auth", "skeletons_indexed", version]` | set once every account's skeleton is indexed |
 * | `["auth", "admin_users_missing", key]` | when `ADMIN_USERS` first named a key no account held |
 * | `["auth", "guest_names", skeleton]` | a guest's hold on a name (`guest_names.ts`) |
 *
 * @example
 * ```ts
 * const accounts = createAccounts(kv);
 * await accounts.register("ada", "correct horse"); // { ok: true, account }
 * await accounts.find("ADA"); // the same account
 * await accounts.register("аda", "correct horse"); // { ok: false, reason: "mixed_scripts", … }
 * await accounts.claimGuestName("zed", "guest:1", now); // { ok: true, name: "zed" }
 * await accounts.claimGuestName("ZED", "guest:2", now); // { ok: false, reason: "guest_held", … }
 * ```
 */
import { hashPassword, type PasswordHash, verifyPassword } from "./passwords.ts";
import { retryWhenLocked } from "../store/mod.ts";
import { checkName, nameKey, type RefusedName } from "./names.ts";
import { SKELETON_VERSION, skeletonOf } from "./confusables.ts";
import { type GuestNameHold, guestNameKey, isActiveHold } from "./guest_names.ts";
import type { PublicUser } from "../../protocol/mod.ts";

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
  /**
   * When the password last changed: refresh tokens made before then are
   * refused, but those of {@linkcode Account.keptLogin}. Absent until it changes.
   */
  passwordChangedAt?: number;
  /** The sign-in that changed the password, which stays signed in. */
  keptLogin?: string;
}

/** Why a name cannot be registered or shown. */
export type NameRefusal =
  | RefusedName
  | { ok: false; reason: "taken"; message: string }
  | { ok: false; reason: "confusable"; message: string }
  | { ok: false; reason: "guest_held"; message: string };

/** The outcome of {@linkcode Accounts.register}. */
export type Registration = { ok: true; account: Account } | NameRefusal;

/** The outcome of {@linkcode Accounts.setRole}. */
export type RoleChange = { ok: true; account: Account } | { ok: false; reason: "unknown" };

/** The outcome of {@linkcode Accounts.changePassword}. */
export type PasswordChange =
  | { ok: true; account: Account }
  | { ok: false; reason: "unknown" | "wrong_password" | "changed_meanwhile" };

/** The account store. */
export interface Accounts {
  /** The account holding `name` (as normalised and folded), or null. */
  find(name: string): Promise<Account | null>;
  /**
   * Registers `name`, unless it is malformed, mixes scripts, is held (by an
   * account, or by a guest active now), or looks like a held name.
   */
  register(
    name: string,
    password: string,
    options?: { role?: AccountRole; now?: number },
  ): Promise<Registration>;
  /**
   * Lets guest `guestId` show under `name` until `holdMs` from `now`: refused
   * when the name is malformed, mixes scripts, is an account's name, looks
   * like one, or another active guest holds it (or a look-alike).
   */
  claimGuestName(
    name: string,
    guestId: string,
    now: number,
  ): Promise<{ ok: true; name: string } | NameRefusal>;
  /** Guest `guestId` was active at `now`: its hold on `name`, if still its own, lasts from now. */
  touchGuestName(name: string, guestId: string, now: number): Promise<void>;
  /** Guest `guestId` signed out: `name` is free again. */
  releaseGuestName(name: string, guestId: string): Promise<void>;
  /**
   * Changes the password of the account `userId` named `name`, if
   * `oldPassword` is its password; refresh tokens made before now, but
   * `keptLogin`'s, are refused from then on.
   */
  changePassword(
    userId: string,
    name: string,
    change: { oldPassword: string; newPassword: string; keptLogin?: string; now: number },
  ): Promise<PasswordChange>;
  /** The account, or the active guest, that goes by `name` (as normalised and folded); null if none. */
  resolve(name: string, now: number): Promise<PublicUser | null>;
  /**
   * Accounts and active guests whose name starts with `prefix` (case-folded),
   * by name, at most `limit`.
   */
  lookup(prefix: string, options: { limit: number; now: number }): Promise<PublicUser[]>;
  /** Stores `role` on the account holding `name`. */
  setRole(name: string, role: AccountRole): Promise<RoleChange>;
  /**
   * Indexes the skeleton of every account made before skeletons were kept
   * (or under an older table), once per database; later calls read one key.
   */
  indexSkeletons(): Promise<void>;
}

/** Options of {@linkcode createAccounts}. */
export interface AccountsOptions {
  /** How long a guest holds its name after its last activity. Default 24 h. */
  guestHoldMs?: number;
}

const accountKey = (key: string): Deno.KvKey => ["auth", "accounts", key];
const skeletonKey = (skeleton: string): Deno.KvKey => ["auth", "skeletons", skeleton];
const ACCOUNTS_PREFIX: Deno.KvKey = ["auth", "accounts"];
const INDEXED_KEY: Deno.KvKey = ["auth", "skeletons_indexed", SKELETON_VERSION];

/** Accounts were once keyed by NFC and lower case; such a key is still read. */
const legacyKey = (name: string) => name.normalize("NFC").toLowerCase();

/** Past every string that starts with the one it follows, in KV's key order. */
const PREFIX_END = "\u{10FFFF}";

const TAKEN = "this name is registered; log in with its password";
const CONFUSABLE = "this name looks too much like a registered name; pick another";
const GUEST_HELD = "a guest is using this name now; pick another";

/** An account as others see it; a role granted by `ADMIN_USERS` alone shows as `user`. */
function publicOf(account: Account): PublicUser {
  return { id: account.id, name: account.name, role: account.role ?? "user" };
}

/** Creates the {@linkcode Accounts} store on `kv`. */
export function createAccounts(kv: Deno.Kv, options: AccountsOptions = {}): Accounts {
  const guestHoldMs = options.guestHoldMs ?? 24 * 60 * 60 * 1000;

  const findEntry = async (name: string): Promise<Deno.KvEntryMaybe<Account>> => {
    const key = nameKey(name);
    const found = await kv.get<Account>(accountKey(key));
    if (found.value || legacyKey(name) === key) return found;
    return await kv.get<Account>(accountKey(legacyKey(name)));
  };
  const find = async (name: string) => (await findEntry(name)).value;

  /**
   * Why a name is not free for someone who is not `guestId`: an account holds
   * it, or one whose name looks like it, or another active guest; null if
   * free. With it, the entries read, for the atomic check of the write.
   */
  const holder = async (name: string, skeleton: string, now: number, guestId?: string) => {
    const [account, byLook, guest] = await Promise.all([
      find(name),
      kv.get<string>(skeletonKey(skeleton)),
      kv.get<GuestNameHold>(guestNameKey(skeleton)),
    ]);
    const held = isActiveHold(guest.value, now) && guest.value.guestId !== guestId;
    const refusal: NameRefusal | null = account
      ? { ok: false, reason: "taken", message: TAKEN }
      : byLook.value !== null
      ? { ok: false, reason: "confusable", message: CONFUSABLE }
      : held
      ? { ok: false, reason: "guest_held", message: GUEST_HELD }
      : null;
    return { refusal, guest };
  };

  return {
    find,

    async register(raw, password, { role = "user", now = Date.now() } = {}) {
      const checked = checkName(raw);
      if (!checked.ok) return checked;
      const { name, key, skeleton } = checked;
      const free = await holder(name, skeleton, now);
      if (free.refusal) return free.refusal;
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
          // A guest that claimed the name (or renewed its hold) since it was read wins.
          .check(free.guest)
          .set(accountKey(key), account)
          .set(skeletonKey(skeleton), key)
          .commit()
      );
      if (result.ok) return { ok: true, account };
      // Someone took it, or a look-alike, while the password was hashed.
      return (await holder(name, skeleton, now)).refusal ??
        { ok: false, reason: "confusable", message: CONFUSABLE };
    },

    async claimGuestName(raw, guestId, now) {
      const checked = checkName(raw);
      if (!checked.ok) return checked;
      const { name, key, skeleton } = checked;
      for (let attempt = 0; attempt < 10; attempt++) {
        const free = await holder(name, skeleton, now, guestId);
        if (free.refusal) return free.refusal;
        const hold: GuestNameHold = { guestId, name, key, until: now + guestHoldMs };
        const result = await retryWhenLocked(() =>
          kv.atomic()
            .check({ key: skeletonKey(skeleton), versionstamp: null })
            .check(free.guest)
            .set(guestNameKey(skeleton), hold, { expireIn: guestHoldMs })
            .commit()
        );
        if (result.ok) return { ok: true, name };
      }
      return { ok: false, reason: "guest_held", message: GUEST_HELD };
    },

    async touchGuestName(name, guestId, now) {
      const checked = checkName(name);
      if (!checked.ok) return;
      const entry = await kv.get<GuestNameHold>(guestNameKey(checked.skeleton));
      // A lapsed hold someone else took since is theirs; a lapsed one nobody took is renewed.
      if (entry.value !== null && entry.value.guestId !== guestId) return;
      const hold: GuestNameHold = {
        guestId,
        name: checked.name,
        key: checked.key,
        until: now + guestHoldMs,
      };
      await retryWhenLocked(() =>
        kv.atomic()
          .check({ key: skeletonKey(checked.skeleton), versionstamp: null })
          .check(entry)
          .set(entry.key, hold, { expireIn: guestHoldMs })
          .commit()
      );
    },

    async releaseGuestName(name, guestId) {
      const checked = checkName(name);
      if (!checked.ok) return;
      const entry = await kv.get<GuestNameHold>(guestNameKey(checked.skeleton));
      if (entry.value?.guestId !== guestId) return;
      await retryWhenLocked(() => kv.atomic().check(entry).delete(entry.key).commit());
    },

    async changePassword(userId, name, { oldPassword, newPassword, keptLogin, now }) {
      const entry = await findEntry(name);
      const account = entry.value;
      if (!account || account.id !== userId) return { ok: false, reason: "unknown" };
      if (!await verifyPassword(oldPassword, account.password)) {
        return { ok: false, reason: "wrong_password" };
      }
      const changed: Account = {
        ...account,
        password: await hashPassword(newPassword),
        passwordChangedAt: now,
        keptLogin,
      };
      const result = await retryWhenLocked(() =>
        kv.atomic().check(entry).set(entry.key, changed).commit()
      );
      return result.ok
        ? { ok: true, account: changed }
        : { ok: false, reason: "changed_meanwhile" };
    },

    async resolve(name, now) {
      const checked = checkName(name);
      if (!checked.ok) return null;
      const account = await find(checked.name);
      if (account) return publicOf(account);
      const hold = (await kv.get<GuestNameHold>(guestNameKey(checked.skeleton))).value;
      return isActiveHold(hold, now) && hold.key === checked.key
        ? { id: hold.guestId, name: hold.name, role: "guest" }
        : null;
    },

    async lookup(prefix, { limit, now }) {
      const folded = nameKey(prefix);
      const found = new Map<string, PublicUser>();
      const accounts = kv.list<Account>(
        { start: accountKey(folded), end: accountKey(folded + PREFIX_END) },
        { limit },
      );
      for await (const { value } of accounts) {
        found.set(nameKey(value.name), publicOf(value));
      }
      // Holds are keyed by skeleton: read a few more than needed, keep those of the prefix.
      const skeleton = skeletonOf(folded);
      const holds = kv.list<GuestNameHold>(
        { start: guestNameKey(skeleton), end: guestNameKey(skeleton + PREFIX_END) },
        { limit: limit * 4 },
      );
      for await (const { value } of holds) {
        if (!isActiveHold(value, now) || !value.key.startsWith(folded) || found.has(value.key)) {
          continue;
        }
        found.set(value.key, { id: value.guestId, name: value.name, role: "guest" });
      }
      return [...found].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).slice(0, limit)
        .map(([, user]) => user);
    },

    async setRole(name, role) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const entry = await findEntry(name);
        if (!entry.value) return { ok: false, reason: "unknown" };
        const account = { ...entry.value, role };
        const result = await retryWhenLocked(() =>
          kv.atomic().check(entry).set(entry.key, account).commit()
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

/**
 * Registered accounts: the one place that decides who may hold a name
 * (`names.ts`: normalised, unique once case-folded, one script, no look-alike
 * of another account or of an active guest's name) and who is an
 * administrator (the role kept on the account, never a match on a name
 * someone could register). Guests are not accounts, but they hold their name
 * while active (`guest_names.ts`): the store claims a guest's name and
 * registers an account each in one atomic step that checks the other, so two
 * people never end up under one name, however the requests interleave. All of
 * it is kept in an {@linkcode AccountStore}: Deno KV (`kv_account_store.ts`)
 * or PostgreSQL (`pg_stores.ts`).
 *
 * @example
 * ```ts
 * const accounts = createAccounts(createKvAccountStore(kv));
 * await accounts.register("ada", "correct horse"); // { ok: true, account }
 * await accounts.find("ADA"); // the same account
 * await accounts.register("аda", "correct horse"); // { ok: false, reason: "mixed_scripts", … }
 * await accounts.claimGuestName("zed", "guest:1", now); // { ok: true, name: "zed" }
 * await accounts.claimGuestName("ZED", "guest:2", now); // { ok: false, reason: "guest_held", … }
 * ```
 */
import { hashPassword, type PasswordHash, verifyPassword } from "./passwords.ts";
import { checkName, nameKey, type RefusedName } from "./names.ts";
import { SKELETON_VERSION, skeletonOf } from "./confusables.ts";
import { type GuestNameHold, isActiveHold } from "./guest_names.ts";
import type { AccountStore } from "./account_store.ts";
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

/** Accounts were once keyed by NFC and lower case; such a key is still read. */
const legacyKey = (name: string) => name.normalize("NFC").toLowerCase();

const TAKEN = "this name is registered; log in with its password";
const CONFUSABLE = "this name looks too much like a registered name; pick another";
const GUEST_HELD = "a guest is using this name now; pick another";

/** An account as others see it; a role granted by `ADMIN_USERS` alone shows as `user`. */
function publicOf(account: Account): PublicUser {
  return { id: account.id, name: account.name, role: account.role ?? "user" };
}

/** The guest holding a name, as others see it. */
function guestOf(hold: GuestNameHold): PublicUser {
  return { id: hold.guestId, name: hold.name, role: "guest" };
}

/** Whether two stored hashes are the same password hash (the same salt and hash). */
function samePassword(a: PasswordHash, b: PasswordHash): boolean {
  return a.salt === b.salt && a.hash === b.hash;
}

/** Creates the {@linkcode Accounts}, kept in `store`. */
export function createAccounts(store: AccountStore, options: AccountsOptions = {}): Accounts {
  const guestHoldMs = options.guestHoldMs ?? 24 * 60 * 60 * 1000;

  /** The account holding `name`, with the key it is stored under (a legacy one, maybe). */
  const findKeyed = async (name: string): Promise<{ key: string; account: Account } | null> => {
    const key = nameKey(name);
    const found = await store.get(key);
    if (found) return { key, account: found };
    if (legacyKey(name) === key) return null;
    const legacy = await store.get(legacyKey(name));
    return legacy ? { key: legacyKey(name), account: legacy } : null;
  };
  const find = async (name: string) => (await findKeyed(name))?.account ?? null;

  /**
   * Why a name is not free for someone who is not `guestId`: an account holds
   * it, or one whose name looks like it, or another active guest; null if free.
   */
  const holder = async (
    name: string,
    skeleton: string,
    now: number,
    guestId?: string,
  ): Promise<NameRefusal | null> => {
    const [account, byLook, hold] = await Promise.all([
      find(name),
      store.skeletonHolder(skeleton),
      store.guestHold(skeleton),
    ]);
    if (account) return { ok: false, reason: "taken", message: TAKEN };
    if (byLook !== null) return { ok: false, reason: "confusable", message: CONFUSABLE };
    const held = isActiveHold(hold, now) && hold.guestId !== guestId;
    return held ? { ok: false, reason: "guest_held", message: GUEST_HELD } : null;
  };

  /** A hold of `guestId` on the checked name, lasting `guestHoldMs` from `now`. */
  const holdOf = (
    checked: { name: string; key: string },
    guestId: string,
    now: number,
  ): GuestNameHold => ({ guestId, name: checked.name, key: checked.key, until: now + guestHoldMs });

  return {
    find,

    async register(raw, password, { role = "user", now = Date.now() } = {}) {
      const checked = checkName(raw);
      if (!checked.ok) return checked;
      const { name, key, skeleton } = checked;
      const refusal = await holder(name, skeleton, now);
      if (refusal) return refusal;
      const account: Account = {
        id: `user:${crypto.randomUUID()}`,
        name,
        password: await hashPassword(password),
        createdAt: now,
        role,
      };
      if (await store.insert(key, skeleton, account, now)) return { ok: true, account };
      // Someone took it, a look-alike, or a guest claimed it, while the password was hashed.
      return await holder(name, skeleton, now) ??
        { ok: false, reason: "confusable", message: CONFUSABLE };
    },

    async claimGuestName(raw, guestId, now) {
      const checked = checkName(raw);
      if (!checked.ok) return checked;
      const refusal = await holder(checked.name, checked.skeleton, now, guestId);
      if (refusal) return refusal;
      const hold = holdOf(checked, guestId, now);
      if (await store.holdGuestName(checked.skeleton, hold, now)) {
        return { ok: true, name: checked.name };
      }
      // An account or another guest took it (or a look-alike) since it was read.
      return await holder(checked.name, checked.skeleton, now, guestId) ??
        { ok: false, reason: "guest_held", message: GUEST_HELD };
    },

    async touchGuestName(name, guestId, now) {
      const checked = checkName(name);
      if (!checked.ok) return;
      // Refused when someone else holds it now: the guest keeps its session, not the name.
      await store.holdGuestName(checked.skeleton, holdOf(checked, guestId, now), now);
    },

    async releaseGuestName(name, guestId) {
      const checked = checkName(name);
      if (!checked.ok) return;
      await store.releaseGuestName(checked.skeleton, guestId);
    },

    async changePassword(userId, name, { oldPassword, newPassword, keptLogin, now }) {
      const found = await findKeyed(name);
      if (!found || found.account.id !== userId) return { ok: false, reason: "unknown" };
      const { key, account } = found;
      if (!await verifyPassword(oldPassword, account.password)) {
        return { ok: false, reason: "wrong_password" };
      }
      const password = await hashPassword(newPassword);
      let changedMeanwhile = false;
      const changed = await store.update(key, (current) => {
        // Another change won the race since the old password was checked: keep it.
        changedMeanwhile = !samePassword(current.password, account.password);
        return changedMeanwhile
          ? current
          : { ...current, password, passwordChangedAt: now, keptLogin };
      });
      if (!changed || changed.id !== userId) return { ok: false, reason: "unknown" };
      return changedMeanwhile
        ? { ok: false, reason: "changed_meanwhile" }
        : { ok: true, account: changed };
    },

    async resolve(name, now) {
      const checked = checkName(name);
      if (!checked.ok) return null;
      const account = await find(checked.name);
      if (account) return publicOf(account);
      const hold = await store.guestHold(checked.skeleton);
      return isActiveHold(hold, now) && hold.key === checked.key ? guestOf(hold) : null;
    },

    async lookup(prefix, { limit, now }) {
      const folded = nameKey(prefix);
      const found = new Map<string, PublicUser>();
      for (const account of await store.accountsFrom(folded, limit)) {
        found.set(nameKey(account.name), publicOf(account));
      }
      // Holds are kept by skeleton: read a few more than needed, keep those of the prefix.
      for (const hold of await store.guestHoldsFrom(skeletonOf(folded), limit * 4)) {
        if (!isActiveHold(hold, now) || !hold.key.startsWith(folded) || found.has(hold.key)) {
          continue;
        }
        found.set(hold.key, guestOf(hold));
      }
      return [...found].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).slice(0, limit)
        .map(([, user]) => user);
    },

    async setRole(name, role) {
      const found = await findKeyed(name);
      const account = found && await store.update(found.key, (current) => ({ ...current, role }));
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

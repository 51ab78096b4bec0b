/**
 * Who is an administrator. Never a name match at login: a name in
 * `ADMIN_USERS` went to whoever registered it first, so anyone could squat
 * `root` before the operator did. An account is an administrator when
 *
 * - its stored role is `admin` (`deno task admin create NAME` or
 *   `deno task admin grant NAME`), or
 * - `ADMIN_USERS` names it and the account already existed when the server
 *   started, and was not registered after an earlier start had seen the name
 *   without an account (so a squatter cannot wait for the next restart).
 *
 * The second is decided once, at start, into a set of account ids; names it
 * ignores are logged with the reason, and the first start that sees a name
 * without an account remembers when ({@linkcode MissingAdminNames}: in KV
 * under `["auth", "admin_users_missing", key]`, in PostgreSQL in
 * `admin_names_missing`).
 *
 * @example
 * ```ts
 * const missing = createKvMissingAdminNames(kv);
 * const admins = await resolveAdminUsers({ missing, accounts, names: config.adminUsers, now });
 * admins.granted; // ["ada"]: existing accounts
 * admins.ignored; // [{ name: "root", reason: "no account" }]
 * roleOf(account, admins); // "admin" for ada's account
 * ```
 */
import type { Account, AccountRole, Accounts } from "./accounts.ts";
import { nameKey } from "./names.ts";
import { retryWhenLocked } from "../store/mod.ts";

/** Why a name of `ADMIN_USERS` grants nothing. */
export type IgnoredReason = "no account" | "registered after ADMIN_USERS named it";

/** What `ADMIN_USERS` granted at start. */
export interface AdminUsers {
  /** Ids of the accounts `ADMIN_USERS` made administrators. */
  ids: ReadonlySet<string>;
  granted: string[];
  ignored: { name: string; reason: IgnoredReason }[];
}

/** When `ADMIN_USERS` first named each name that no account held, by the name's key. */
export interface MissingAdminNames {
  /** When a start first saw `name` in `ADMIN_USERS` without an account; null if never. */
  since(name: string): Promise<number | null>;
  /** Records `now` for `name`, unless a time is recorded already. */
  remember(name: string, now: number): Promise<void>;
}

/** Creates the {@linkcode MissingAdminNames} on `kv`. */
export function createKvMissingAdminNames(kv: Deno.Kv): MissingAdminNames {
  const missingKey = (name: string): Deno.KvKey => ["auth", "admin_users_missing", nameKey(name)];
  return {
    async since(name) {
      return (await kv.get<number>(missingKey(name))).value;
    },
    async remember(name, now) {
      await retryWhenLocked(() =>
        kv.atomic().check({ key: missingKey(name), versionstamp: null })
          .set(missingKey(name), now).commit()
      );
    },
  };
}

/** What {@linkcode resolveAdminUsers} needs. */
export interface ResolveAdminUsersOptions {
  missing: MissingAdminNames;
  accounts: Pick<Accounts, "find">;
  /** `ADMIN_USERS`. */
  names: readonly string[];
  now: number;
}

/** Decides, at start, which accounts `ADMIN_USERS` makes administrators. */
export async function resolveAdminUsers(
  { missing, accounts, names, now }: ResolveAdminUsersOptions,
): Promise<AdminUsers> {
  const ids = new Set<string>();
  const granted: string[] = [];
  const ignored: AdminUsers["ignored"] = [];
  for (const name of names) {
    const account = await accounts.find(name);
    const missingSince = await missing.since(name);
    if (!account) {
      if (missingSince === null) await missing.remember(name, now);
      ignored.push({ name, reason: "no account" });
    } else if (missingSince !== null && account.createdAt >= missingSince) {
      ignored.push({ name, reason: "registered after ADMIN_USERS named it" });
    } else {
      ids.add(account.id);
      granted.push(account.name);
    }
  }
  return { ids, granted, ignored };
}

/** The role an account signs in with. */
export function roleOf(account: Account, adminUsers: Pick<AdminUsers, "ids">): AccountRole {
  return account.role === "admin" || adminUsers.ids.has(account.id) ? "admin" : "user";
}

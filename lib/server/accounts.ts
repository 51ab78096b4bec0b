/**
 * Registered accounts in Deno KV, keyed by the name folded to lower case so
 * "Ada" and "ada" are one account. The first login with a name registers it.
 *
 * @example
 * ```ts
 * const accounts = createAccounts(kv);
 * await accounts.register("ada", "correct horse"); // { ok: true, account }
 * await accounts.find("ADA"); // the same account
 * ```
 */
import { hashPassword, type PasswordHash } from "./passwords.ts";
import { retryWhenLocked } from "./kv_retry.ts";

/** A registered account. */
export interface Account {
  id: string;
  /** The name as first registered. */
  name: string;
  password: PasswordHash;
  createdAt: number;
}

/** The account store. */
export interface Accounts {
  find(name: string): Promise<Account | null>;
  /** Registers `name`; fails with `taken` if someone registered it first. */
  register(
    name: string,
    password: string,
    now?: number,
  ): Promise<{ ok: true; account: Account } | { ok: false; reason: "taken" }>;
}

/** The case-folded form names are unique in. */
export function nameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

const accountKey = (name: string): Deno.KvKey => ["auth", "accounts", nameKey(name)];

/** Creates the {@linkcode Accounts} store on `kv`. */
export function createAccounts(kv: Deno.Kv): Accounts {
  return {
    async find(name) {
      return (await kv.get<Account>(accountKey(name))).value;
    },
    async register(name, password, now = Date.now()) {
      const account: Account = {
        id: `user:${crypto.randomUUID()}`,
        name,
        password: await hashPassword(password),
        createdAt: now,
      };
      const key = accountKey(name);
      const result = await retryWhenLocked(() =>
        kv.atomic().check({ key, versionstamp: null }).set(key, account).commit()
      );
      return result.ok ? { ok: true, account } : { ok: false, reason: "taken" };
    },
  };
}

/**
 * The rate limits of the account endpoints, all counted per
 * `LOGIN_WINDOW_S` (logins and password changes), `GUEST_WINDOW_S` (guests)
 * or `REGISTRATION_WINDOW_S` (registrations), over every instance of the
 * cluster (its rate limits are token buckets in the shared KV, taken
 * atomically, so no two instances grant the same attempt):
 *
 * | limit | counts | default |
 * | --- | --- | --- |
 * | per address | every login attempt from an address | 20 |
 * | per name and address | attempts on one name from one address | 5 |
 * | per account | attempts on one name from every address that never signed in to it | 50 |
 * | guests per address | guest identities created from an address | 10 per 10 min |
 * | registrations per address | accounts registered from an address (each costs a password hash) | 10 an hour |
 *
 * An address that signed in to a name before (`known`) is never held back by
 * the two name limits, so nobody guessing from elsewhere can lock the owner
 * out; its own per-address limit still holds. Attempts are charged to every
 * limit that applies, allowed or not, so one cannot be drained to spare another.
 *
 * @example
 * ```ts
 * const limits = createAuthLimits({ config, rateLimits: cluster.rateLimits });
 * await limits.loginFrom(address); // 0: go on; else ms to wait
 * await limits.loginTo(address, nameKey(name), known);
 * await limits.guestFrom(address);
 * await limits.registrationFrom(address);
 * ```
 */
import type { BucketSpec, RateLimits } from "../cluster/mod.ts";
import type { Config } from "../config.ts";

/** The limits; each call charges one attempt and answers 0 (go on) or the ms to wait. */
export interface AuthLimits {
  /** Any login attempt from `address`. */
  loginFrom(address: string): Promise<number>;
  /** A login attempt on the name whose key is `nameKey`; free when `known`. */
  loginTo(address: string, nameKey: string, known: boolean): Promise<number>;
  /** A new guest identity for `address`. */
  guestFrom(address: string): Promise<number>;
  /** A registration from `address`. */
  registrationFrom(address: string): Promise<number>;
}

/** Creates the {@linkcode AuthLimits}, over the cluster's rate limits. */
export function createAuthLimits(
  { config, rateLimits }: {
    config: Pick<
      Config,
      | "loginAttemptsPerAddress"
      | "loginAttemptsPerName"
      | "loginAttemptsPerAccount"
      | "loginWindowS"
      | "guestsPerAddress"
      | "guestWindowS"
      | "registrationsPerAddress"
      | "registrationWindowS"
    >;
    rateLimits: RateLimits;
  },
): AuthLimits {
  const bucket =
    (name: string, attempts: number, windowS: number) => (key: string): BucketSpec => ({
      name,
      key,
      burst: attempts,
      perSecond: attempts / windowS,
    });
  const byAddress = bucket("login.address", config.loginAttemptsPerAddress, config.loginWindowS);
  const byNameAndAddress = bucket(
    "login.name_address",
    config.loginAttemptsPerName,
    config.loginWindowS,
  );
  const byAccount = bucket("login.account", config.loginAttemptsPerAccount, config.loginWindowS);
  const guests = bucket("guest.address", config.guestsPerAddress, config.guestWindowS);
  const registrations = bucket(
    "register.address",
    config.registrationsPerAddress,
    config.registrationWindowS,
  );
  return {
    loginFrom: (address) => rateLimits.take([byAddress(address)]),
    loginTo(address, nameKey, known) {
      if (known) return Promise.resolve(0);
      return rateLimits.take([byNameAndAddress(`${address} ${nameKey}`), byAccount(nameKey)]);
    },
    guestFrom: (address) => rateLimits.take([guests(address)]),
    registrationFrom: (address) => rateLimits.take([registrations(address)]),
  };
}

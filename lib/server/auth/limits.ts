/**
 * The rate limits of the account endpoints, all counted per
 * `LOGIN_WINDOW_S` (logins and password changes), `GUEST_WINDOW_S` (guests)
 * or `REGISTRATION_WINDOW_S` (registrations), per isolate:
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
 * const limits = createAuthLimits({ config, clock });
 * limits.loginFrom(address); // 0: go on; else ms to wait
 * limits.loginTo(address, nameKey(name), known);
 * limits.guestFrom(address);
 * limits.registrationFrom(address);
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { Config } from "../config.ts";
import { createKeyedLimiter } from "../limits/mod.ts";

/** The limits; each call charges one attempt and answers 0 (go on) or the ms to wait. */
export interface AuthLimits {
  /** Any login attempt from `address`. */
  loginFrom(address: string): number;
  /** A login attempt on the name whose key is `nameKey`; free when `known`. */
  loginTo(address: string, nameKey: string, known: boolean): number;
  /** A new guest identity for `address`. */
  guestFrom(address: string): number;
  /** A registration from `address`. */
  registrationFrom(address: string): number;
}

/** Creates the {@linkcode AuthLimits} of one isolate. */
export function createAuthLimits(
  { config, clock }: {
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
    clock: Clock;
  },
): AuthLimits {
  const limiter = (attempts: number, windowS: number) =>
    createKeyedLimiter({ burst: attempts, perSecond: attempts / windowS, clock });
  const byAddress = limiter(config.loginAttemptsPerAddress, config.loginWindowS);
  const byNameAndAddress = limiter(config.loginAttemptsPerName, config.loginWindowS);
  const byAccount = limiter(config.loginAttemptsPerAccount, config.loginWindowS);
  const guests = limiter(config.guestsPerAddress, config.guestWindowS);
  const registrations = limiter(config.registrationsPerAddress, config.registrationWindowS);
  return {
    loginFrom: (address) => byAddress.take(address),
    loginTo(address, nameKey, known) {
      if (known) return 0;
      return Math.max(byNameAndAddress.take(`${address} ${nameKey}`), byAccount.take(nameKey));
    },
    guestFrom: (address) => guests.take(address),
    registrationFrom: (address) => registrations.take(address),
  };
}

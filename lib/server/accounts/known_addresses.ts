/**
 * The addresses each account signed in from, so that login limits never hold
 * back an address that has proven it knows the password: whoever guesses
 * at a name from elsewhere cannot lock its owner out. Kept in KV under
 * `["auth", "known_addresses", accountId]`, the newest first, at most `max`
 * (default 10) per account; in PostgreSQL by `createPgKnownAddresses`
 * (`pg_stores.ts`).
 *
 * @example
 * ```ts
 * const known = createKnownAddresses(kv);
 * await known.remember("user:1", "198.51.100.7");
 * await known.has("user:1", "198.51.100.7"); // true
 * ```
 */
import { retryWhenLocked } from "../store/mod.ts";

/** The addresses accounts signed in from. */
export interface KnownAddresses {
  /** Whether `address` ever signed in to the account (among its last `max`). */
  has(accountId: string, address: string): Promise<boolean>;
  /** Records a successful sign-in; an address already known costs no write. */
  remember(accountId: string, address: string): Promise<void>;
}

const knownKey = (accountId: string): Deno.KvKey => ["auth", "known_addresses", accountId];

/** Creates the {@linkcode KnownAddresses} store on `kv`. */
export function createKnownAddresses(kv: Deno.Kv, { max = 10 } = {}): KnownAddresses {
  const read = async (accountId: string) =>
    (await kv.get<string[]>(knownKey(accountId))).value ?? [];
  return {
    async has(accountId, address) {
      return (await read(accountId)).includes(address);
    },
    async remember(accountId, address) {
      const addresses = await read(accountId);
      if (addresses.includes(address)) return;
      const kept = [address, ...addresses].slice(0, max);
      await retryWhenLocked(() => kv.set(knownKey(accountId), kept));
    },
  };
}

/**
 * Pre-minted access tokens, so a bench measures connections and not the
 * `/api/guest` endpoint. The contract's `kid` rule (first 16 hex digits of the
 * SHA-256 of the secret) lets any tool that holds a secret mint tokens the
 * server accepts.
 *
 * The tokens are of signed-in users (`user:benchN`), not guests: a guest is
 * someone only while it holds its name (`/api/guest` takes the hold), and the
 * server ends the memberships of guests who hold none, so minted guests were
 * taken out of their rooms a minute into a run (big_room's fan-out, after its
 * idle minute, sent into a room its publisher was no longer in).
 *
 * @example
 * ```ts
 * const mint = await createTokenMinter("bench-secret", () => Date.now());
 * const token = await mint(7); // sub "user:bench7", name "bench7", role "user"
 * ```
 */
import { SignJWT } from "jose";

/** The contract's key id of a secret. */
export async function keyIdOf(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return Array.from(
    new Uint8Array(digest).slice(0, 8),
    (byte) => byte.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** Mints the token of bench user `index`. */
export type TokenMinter = (index: number) => Promise<string>;

/** A minter of one-hour user tokens signed with `secret`; `now` gives milliseconds. */
export async function createTokenMinter(secret: string, now: () => number): Promise<TokenMinter> {
  const key = new TextEncoder().encode(secret);
  const kid = await keyIdOf(secret);
  return (index) => {
    const issuedAt = Math.floor(now() / 1000);
    return new SignJWT({ name: `bench${index}`, role: "user" })
      .setProtectedHeader({ alg: "HS256", kid })
      .setSubject(`user:bench${index}`)
      .setIssuer("switchboard")
      .setAudience("switchboard")
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(key);
  };
}

/**
 * Password hashing with WebCrypto: PBKDF2-SHA-256, a 16-byte random salt per
 * password, and at least 600 000 iterations (OWASP's advice for PBKDF2-SHA-256).
 * The iteration count is stored with the hash, so it can be raised later
 * without invalidating existing passwords.
 *
 * @example
 * ```ts
 * const stored = await hashPassword("correct horse");
 * await verifyPassword("correct horse", stored); // true
 * ```
 */
import { timingSafeEqual } from "node:crypto";

/** The iteration count used for new hashes. */
export const PBKDF2_ITERATIONS = 600_000;

/** A stored password hash. */
export interface PasswordHash {
  algorithm: "PBKDF2-SHA-256";
  iterations: number;
  /** Base64. */
  salt: string;
  /** Base64, 32 bytes. */
  hash: string;
}

async function derive(password: string, salt: Uint8Array, iterations: number) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/**
 * What a login with an unknown name checks its password against, so that it
 * costs the same hash as a wrong password does: whether a name is registered
 * must not show in how long the answer takes. No password derives to it.
 */
export const UNKNOWN_ACCOUNT_HASH: PasswordHash = {
  algorithm: "PBKDF2-SHA-256",
  iterations: PBKDF2_ITERATIONS,
  salt: "c3dpdGNoYm9hcmQtbm9ib2R5",
  hash: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
};

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return {
    algorithm: "PBKDF2-SHA-256",
    iterations: PBKDF2_ITERATIONS,
    salt: salt.toBase64(),
    hash: hash.toBase64(),
  };
}

/** Checks a password against a stored hash, comparing in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Uint8Array.fromBase64(stored.hash);
  const actual = await derive(password, Uint8Array.fromBase64(stored.salt), stored.iterations);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

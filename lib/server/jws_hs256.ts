/**
 * A strict verifier of the one token shape this server issues: a compact JWS,
 * HS256, whose protected header names its secret with `kid`.
 *
 * It replaces jose's `jwtVerify` on the hot path because jose verifies through
 * WebCrypto, and Deno runs every WebCrypto HMAC on its crypto thread pool: each
 * verify paid a dispatch and a wait, which made token verification the largest
 * per-connection cost of a connect storm. `node:crypto`'s HMAC runs on the
 * calling thread, in under 10 µs here. Signing stays with jose.
 *
 * Only the signature and the header are checked here; the JWT claims are the
 * caller's (see `./tokens.ts`).
 *
 * @example
 * ```ts
 * const verifyJws = createHs256Verifier(new Map([[kid, secret]]));
 * const result = verifyJws(token);
 * if (result.ok) console.log(result.payload.sub);
 * else console.log(result.reason); // e.g. "token signature is invalid"
 * ```
 */
import { Buffer } from "node:buffer";
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

/** Longer tokens are refused unread: ours are a few hundred characters. */
export const MAX_TOKEN_LENGTH = 4096;

/** Why a token was refused, worded for the socket's close reason. */
export type JwsFailure =
  | "token is malformed"
  | "token algorithm is not allowed"
  | "token is invalid"
  | "token signature is invalid";

/** The outcome of verifying a compact JWS. */
export type JwsResult =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; reason: JwsFailure };

/** Verifies a compact JWS synchronously. */
export type Hs256Verifier = (token: string) => JwsResult;

// Three base64url parts. The signature may be empty so that an `alg: "none"`
// token is refused for its algorithm, as jose refused it, not for its shape.
const COMPACT_JWS = /^([\w-]+)\.([\w-]+)\.([\w-]*)$/;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function fail(reason: JwsFailure): JwsResult {
  return { ok: false, reason };
}

/** The JSON object a base64url part encodes, or undefined if it encodes anything else. */
function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  // A length of 4n + 1 ends inside a byte: not base64url, though Buffer would decode it.
  if (part.length % 4 === 1) return undefined;
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(part, "base64url")));
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Creates a verifier that accepts HS256 tokens signed by any of `secretsByKid`
 * (`kid` → secret, whose UTF-8 bytes are the HMAC key).
 *
 * @example
 * ```ts
 * const verifyJws = createHs256Verifier(new Map([["a1b2c3d4e5f60718", "a-long-secret"]]));
 * verifyJws("not.a.jwt"); // { ok: false, reason: "token is malformed" }
 * ```
 */
export function createHs256Verifier(secretsByKid: ReadonlyMap<string, string>): Hs256Verifier {
  const keys = new Map<string, KeyObject>();
  for (const [kid, secret] of secretsByKid) keys.set(kid, createSecretKey(Buffer.from(secret)));

  return (token) => {
    const parts = token.length <= MAX_TOKEN_LENGTH ? COMPACT_JWS.exec(token) : null;
    if (!parts) return fail("token is malformed");
    const [, encodedHeader, encodedPayload, signature] = parts;
    const header = decodeJsonObject(encodedHeader);
    if (!header) return fail("token is malformed");
    if (header.alg !== "HS256") return fail("token algorithm is not allowed");
    // No extension is understood, so any `crit` must be refused (RFC 7515 §4.1.11).
    if (header.crit !== undefined) return fail("token is invalid");
    if (header.typ !== undefined && header.typ !== "JWT") return fail("token is invalid");
    const key = typeof header.kid === "string" ? keys.get(header.kid) : undefined;
    if (!key) return fail("token is invalid");

    // Compared as base64url text rather than decoded bytes: the MAC has one
    // canonical spelling, so a signature with altered padding bits is refused too.
    const expected = Buffer.from(
      createHmac("sha256", key).update(`${encodedHeader}.${encodedPayload}`).digest("base64url"),
    );
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return fail("token signature is invalid");
    }
    const payload = decodeJsonObject(encodedPayload);
    return payload ? { ok: true, payload } : fail("token is malformed");
  };
}

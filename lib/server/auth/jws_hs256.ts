/**
 * A strict verifier of the one token shape this server issues: a compact JWS,
 * HS256, whose protected header names its secret with `kid`.
 *
 * It replaces jose's `jwtVerify` on the hot path because jose verifies through
 * WebCrypto, and Deno runs every WebCrypto HMAC on its crypto thread pool: each
 * verify paid a dispatch and a wait, which made token verification the largest
 * per-connection cost of a connect storm. Here everything runs on the calling
 * thread: the MAC with `@noble/hashes` (audited, no dependencies; keyed once per
 * secret, it costs what a hand-written RFC 2104 did and less than
 * `node:crypto`'s `createHmac`, whose Node stream per call Deno builds: see
 * bench/README.md), the comparison over every character whatever differs, the
 * parts decoded with the built-in `atob` (text that is not ASCII with
 * `Uint8Array.fromBase64` and a UTF-8 decoder, which cost ~1 µs more), and a
 * header under which a token verified is not decoded again (the server's own
 * tokens share one header per secret). Signing stays with jose.
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
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** Longer tokens are refused unread: ours are a few hundred characters. */
export const MAX_TOKEN_LENGTH = 4096;

/**
 * Headers remembered once a token under them verified. Ours are one per secret;
 * only a signed token can add one, and the bound caps what a holder of valid
 * tokens can add by varying their header.
 */
const MAX_REMEMBERED_HEADERS = 16;

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

/** The MAC of a string's UTF-8 bytes under one secret, as unpadded base64url. */
type Mac = (input: string) => string;

// Three base64url parts. The signature may be empty so that an `alg: "none"`
// token is refused for its algorithm, as jose refused it, not for its shape.
const COMPACT_JWS = /^([\w-]+)\.([\w-]+)\.([\w-]*)$/;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();
const NOT_ASCII = /[\u0080-\uffff]/;

function fail(reason: JwsFailure): JwsResult {
  return { ok: false, reason };
}

/** HMAC-SHA-256 keyed with `secret`'s UTF-8 bytes; the key's pads are computed once. */
function createMac(secret: string): Mac {
  const keyed = hmac.create(sha256, encoder.encode(secret));
  return (input) =>
    keyed.clone().update(encoder.encode(input)).digest()
      .toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * The UTF-8 text a base64url part encodes. `atob` gives a character per byte,
 * which is the text itself when every byte is ASCII (as in our tokens);
 * anything else is decoded as UTF-8. Throws on a length of 4n + 1, which ends
 * inside a byte, and on bytes that are not UTF-8.
 */
function decodeText(part: string): string {
  const binary = atob(part.replaceAll("-", "+").replaceAll("_", "/"));
  if (!NOT_ASCII.test(binary)) return binary;
  return utf8.decode(Uint8Array.fromBase64(part, { alphabet: "base64url" }));
}

/** The JSON object a base64url part encodes, or undefined if it encodes anything else. */
function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(decodeText(part));
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
  const macsByKid = new Map<string, Mac>();
  for (const [kid, secret] of secretsByKid) macsByKid.set(kid, createMac(secret));
  const macsByHeader = new Map<string, Mac>();

  /** The MAC a valid header names, or why the header is refused. */
  const macOf = (encodedHeader: string): Mac | JwsFailure => {
    const remembered = macsByHeader.get(encodedHeader);
    if (remembered) return remembered;
    const header = decodeJsonObject(encodedHeader);
    if (!header) return "token is malformed";
    if (header.alg !== "HS256") return "token algorithm is not allowed";
    // No extension is understood, so any `crit` must be refused (RFC 7515 §4.1.11).
    if (header.crit !== undefined) return "token is invalid";
    if (header.typ !== undefined && header.typ !== "JWT") return "token is invalid";
    const mac = typeof header.kid === "string" ? macsByKid.get(header.kid) : undefined;
    return mac ?? "token is invalid";
  };

  return (token) => {
    const parts = token.length <= MAX_TOKEN_LENGTH ? COMPACT_JWS.exec(token) : null;
    if (!parts) return fail("token is malformed");
    const [, encodedHeader, encodedPayload, signature] = parts;
    const mac = macOf(encodedHeader);
    if (typeof mac === "string") return fail(mac);
    // Compared as base64url text rather than decoded bytes: the MAC has one
    // canonical spelling, so a signature with altered padding bits is refused too.
    if (!equalInConstantTime(signature, mac(`${encodedHeader}.${encodedPayload}`))) {
      return fail("token signature is invalid");
    }
    if (macsByHeader.size < MAX_REMEMBERED_HEADERS) macsByHeader.set(encodedHeader, mac);
    const payload = decodeJsonObject(encodedPayload);
    return payload ? { ok: true, payload } : fail("token is malformed");
  };
}

/**
 * Whether two ASCII strings are equal, in a time that depends on their length
 * only: every character is compared, however early one differs.
 */
function equalInConstantTime(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let index = 0; index < given.length; index++) {
    difference |= given.charCodeAt(index) ^ expected.charCodeAt(index);
  }
  return difference === 0;
}

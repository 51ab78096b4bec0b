/**
 * Access tokens: JWTs signed HS256 with `kid`, carrying `sub`, `name`, `role`,
 * `iat`, `exp`, `iss` and `aud`. The first secret signs; every secret verifies,
 * so a new secret can be put first while tokens signed by the old one stay
 * valid until they expire.
 *
 * @example
 * ```ts
 * const tokens = await createTokenIssuer({ secrets: [secret], ttlS: 900, clock });
 * const { token } = await tokens.sign({ id: "user:1", name: "ada", role: "user" });
 * const result = await tokens.verify(token); // { ok: true, user, expiresAt }
 * ```
 */
import { errors, jwtVerify, SignJWT } from "jose";
import type { JWTPayload } from "jose";
import type { Clock } from "../time/clock.ts";
import { SessionUser } from "../protocol/frames.ts";
import { sha256Hex } from "./base64.ts";

/** `iss` and `aud` of every token. */
export const TOKEN_ISSUER = "switchboard";
export const TOKEN_AUDIENCE = "switchboard";

/** A secret's `kid`: the first 16 hex digits of the SHA-256 of its UTF-8 bytes. */
export async function keyIdOf(secret: string): Promise<string> {
  return (await sha256Hex(secret)).slice(0, 16);
}

/** A signed token and when it expires (ms since the epoch). */
export interface SignedToken {
  token: string;
  expiresAt: number;
}

/** The outcome of verifying a token. */
export type VerifyResult =
  | { ok: true; user: SessionUser; expiresAt: number }
  | { ok: false; reason: string };

/** Signs and verifies access tokens. */
export interface TokenIssuer {
  sign(user: SessionUser): Promise<SignedToken>;
  verify(token: string): Promise<VerifyResult>;
}

/** Options of {@linkcode createTokenIssuer}. */
export interface TokenIssuerOptions {
  /** The first signs, all verify. */
  secrets: string[];
  ttlS: number;
  clock: Clock;
}

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "token expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `token claim ${error.claim} is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "token algorithm is not allowed";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "token signature is invalid";
  if (error instanceof errors.JOSEError) return "token is invalid";
  return "token is malformed";
}

/** Creates a {@linkcode TokenIssuer}. */
export async function createTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const { ttlS, clock } = options;
  if (options.secrets.length === 0) throw new Error("createTokenIssuer needs a secret");
  // Imported once: handing jose raw bytes would import a key on every verify,
  // which dominated the cost of a connect storm.
  const keys = new Map<string, CryptoKey>();
  for (const secret of options.secrets) {
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(await keyIdOf(secret), key);
  }
  const [signingKid] = keys.keys();
  const signingKey = keys.get(signingKid)!;

  return {
    async sign(user) {
      const issuedAt = Math.floor(clock.now() / 1000);
      const expiresAtS = issuedAt + ttlS;
      const token = await new SignJWT({ name: user.name, role: user.role })
        .setProtectedHeader({ alg: "HS256", kid: signingKid, typ: "JWT" })
        .setSubject(user.id)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAtS)
        .sign(signingKey);
      return { token, expiresAt: expiresAtS * 1000 };
    },

    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, (header) => {
          const key = header.kid === undefined ? undefined : keys.get(header.kid);
          if (!key) throw new errors.JWKSNoMatchingKey("unknown kid");
          return key;
        }, {
          algorithms: ["HS256"],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          requiredClaims: ["sub", "exp", "iat"],
          currentDate: new Date(clock.now()),
        }));
      } catch (error) {
        return { ok: false, reason: describeFailure(error) };
      }
      const user = SessionUser.safeParse({
        id: payload.sub,
        name: payload.name,
        role: payload.role,
      });
      if (!user.success) return { ok: false, reason: "token claims are invalid" };
      return { ok: true, user: user.data, expiresAt: payload.exp! * 1000 };
    },
  };
}

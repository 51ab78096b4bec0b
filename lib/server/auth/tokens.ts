/**
 * Access tokens: JWTs signed HS256 with `kid`, carrying `sub`, `name`, `role`,
 * `iat`, `exp`, `iss`, `aud` and, for tokens of a sign-in, `sid` (the sign-in's
 * id, so signing out revokes its tokens). The first secret signs; every secret verifies,
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
import { SignJWT } from "jose";
import type { Clock } from "../../time/clock.ts";
import { SessionUser } from "../../protocol/frames.ts";
import { sha256Hex } from "./sha256.ts";
import { createHs256Verifier } from "./jws_hs256.ts";

/** Most revoked sign-ins remembered at once; each is needed only for one token lifetime. */
const MAX_REVOKED_LOGINS = 100_000;

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
  | { ok: true; user: SessionUser; expiresAt: number; loginId?: string }
  | { ok: false; reason: string };

/** Signs and verifies access tokens. */
export interface TokenIssuer {
  /**
   * Signs a token for `user`; `loginId` (claim `sid`) names the sign-in it
   * belongs to, so that signing out can revoke it.
   */
  sign(user: SessionUser, options?: { loginId?: string }): Promise<SignedToken>;
  verify(token: string): Promise<VerifyResult>;
  /**
   * Refuses every token of the sign-in `loginId` from now until `untilMs`
   * (when the last of them has expired anyway), in this isolate.
   */
  revokeLogin(loginId: string, untilMs: number): void;
  /**
   * Refuses every token of `userId` issued at or before `issuedBefore` (ms)
   * but those of the sign-in `exceptLogin`, from now until `untilMs`, in this
   * isolate: the account's password changed, and only the sign-in that
   * changed it stays.
   */
  revokeAccount(
    userId: string,
    revocation: { exceptLogin: string | null; issuedBefore: number; untilMs: number },
  ): void;
}

/** Options of {@linkcode createTokenIssuer}. */
export interface TokenIssuerOptions {
  /** The first signs, all verify. */
  secrets: string[];
  ttlS: number;
  clock: Clock;
}

/**
 * Why a verified token's claims are refused, or undefined if they hold. These
 * are the checks, order and reasons of the jose `jwtVerify` options this
 * replaced (issuer, audience, required `sub`, `exp` and `iat`, no clock
 * tolerance), so clients and close reasons saw no change.
 */
function claimsFailure(claims: Record<string, unknown>, nowS: number): string | undefined {
  for (const claim of ["iss", "aud", "iat", "exp", "sub"]) {
    if (!Object.hasOwn(claims, claim)) return `token claim ${claim} is invalid`;
  }
  if (claims.iss !== TOKEN_ISSUER) return "token claim iss is invalid";
  const { aud, iat, nbf, exp } = claims;
  if (aud !== TOKEN_AUDIENCE && !(Array.isArray(aud) && aud.includes(TOKEN_AUDIENCE))) {
    return "token claim aud is invalid";
  }
  if (typeof iat !== "number") return "token claim iat is invalid";
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > nowS)) {
    return "token claim nbf is invalid";
  }
  if (typeof exp !== "number") return "token claim exp is invalid";
  // A token is dead in the second its `exp` names, as jose has it.
  if (exp <= nowS) return "token expired";
  return undefined;
}

/** Creates a {@linkcode TokenIssuer}. */
export async function createTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const { ttlS, clock } = options;
  if (options.secrets.length === 0) throw new Error("createTokenIssuer needs a secret");
  const secretsByKid = new Map<string, string>();
  for (const secret of options.secrets) secretsByKid.set(await keyIdOf(secret), secret);
  const verifyJws = createHs256Verifier(secretsByKid);
  const [signingKid] = secretsByKid.keys();
  // Imported once rather than handing jose the raw bytes on every sign.
  const signingKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(options.secrets[0]),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );

  /** Revoked sign-ins until when, oldest first (every entry lives about `ttlS`). */
  const revoked = new Map<string, number>();
  /** Accounts whose older tokens are refused, oldest first (every entry lives about `ttlS`). */
  const revokedAccounts = new Map<
    string,
    { exceptLogin: string | null; issuedBefore: number; untilMs: number }
  >();

  /** Drops the entries of `map` no longer needed at `now`, and the oldest beyond the bound. */
  const prune = <V>(map: Map<string, V>, until: (value: V) => number, now: number) => {
    for (const [key, value] of map) {
      if (until(value) > now && map.size < MAX_REVOKED_LOGINS) break;
      map.delete(key);
    }
  };

  /** Whether the account's password changed after this token was issued (by another sign-in). */
  const isRevokedAccount = (userId: string, iatS: number, loginId: string | undefined) => {
    const revocation = revokedAccounts.get(userId);
    return revocation !== undefined && revocation.untilMs > clock.now() &&
      iatS * 1000 <= revocation.issuedBefore && loginId !== revocation.exceptLogin;
  };

  const verifyNow = (token: string): VerifyResult => {
    const jws = verifyJws(token);
    if (!jws.ok) return jws;
    const claims = jws.payload;
    const failure = claimsFailure(claims, Math.floor(clock.now() / 1000));
    if (failure) return { ok: false, reason: failure };
    const user = SessionUser.safeParse({ id: claims.sub, name: claims.name, role: claims.role });
    if (!user.success) return { ok: false, reason: "token claims are invalid" };
    const loginId = typeof claims.sid === "string" ? claims.sid : undefined;
    if (loginId !== undefined && (revoked.get(loginId) ?? 0) > clock.now()) {
      return { ok: false, reason: "token revoked: signed out" };
    }
    if (isRevokedAccount(user.data.id, claims.iat as number, loginId)) {
      return { ok: false, reason: "token revoked: the password changed" };
    }
    // claimsFailure has checked that exp is a number.
    const expiresAt = (claims.exp as number) * 1000;
    return loginId === undefined
      ? { ok: true, user: user.data, expiresAt }
      : { ok: true, user: user.data, expiresAt, loginId };
  };

  return {
    async sign(user, { loginId } = {}) {
      const issuedAt = Math.floor(clock.now() / 1000);
      const expiresAtS = issuedAt + ttlS;
      const claims = { name: user.name, role: user.role, ...(loginId ? { sid: loginId } : {}) };
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid: signingKid, typ: "JWT" })
        .setSubject(user.id)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAtS)
        .sign(signingKey);
      return { token, expiresAt: expiresAtS * 1000 };
    },

    // Synchronous work behind the promise callers already await.
    verify: (token) => Promise.resolve(verifyNow(token)),

    revokeLogin(loginId, untilMs) {
      prune(revoked, (until) => until, clock.now());
      revoked.delete(loginId);
      revoked.set(loginId, untilMs);
    },

    revokeAccount(userId, revocation) {
      prune(revokedAccounts, ({ untilMs }) => untilMs, clock.now());
      revokedAccounts.delete(userId);
      revokedAccounts.set(userId, revocation);
    },
  };
}

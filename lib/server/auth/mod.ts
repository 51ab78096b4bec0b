/**
 * Proving who a client is: the sign-in endpoints (`/api/register`,
 * `/api/login`, `/api/guest`, `/api/token`, `/api/logout`, `/api/password`)
 * and their rate limits (over every instance), the user lookup (`/api/users`)
 * for picking people, access tokens (signed and verified as HS256 JWTs with
 * secrets kept in KV), refresh tokens, the caller of an HTTP request,
 * sign-outs that reach every instance, and the
 * signed-in hint pages read. Who may hold a name is `../accounts`'s.
 *
 * Refresh tokens and the generated JWT secret are kept in Deno KV or
 * PostgreSQL, behind `RefreshRecordStore` and `JwtSecretStore`.
 *
 * Imports `../accounts`, `../store`, `../bus`, `../cluster`, `../http`,
 * `../limits` (the user lookup's per-caller limit) and `../postgres` (besides
 * `lib/protocol`, `lib/time`, and the root's `config.ts` and `log.ts`).
 *
 * @example
 * ```ts
 * import { authenticateRequest, createAuth, createTokenIssuer } from "./mod.ts";
 * const tokens = await createTokenIssuer({ secrets, ttlS: 900, clock });
 * const caller = await authenticateRequest(req, tokens);
 * if (!caller.ok) return caller.response;
 * ```
 */
export * from "./endpoints.ts";
export * from "./limits.ts";
export * from "./tokens.ts";
export * from "./jws_hs256.ts";
export * from "./secrets.ts";
export * from "./refresh_tokens.ts";
export * from "./request_auth.ts";
export * from "./sign_outs.ts";
export * from "./session_hint.ts";
export * from "./sha256.ts";
export * from "./user_lookup.ts";

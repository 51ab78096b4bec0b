/**
 * Access tokens for the client. The default source asks `POST /api/token`,
 * which answers from the HttpOnly refresh cookie set at login, and reuses a
 * token until shortly before it expires.
 *
 * @example
 * ```ts
 * const tokens = createTokenSource({ url: "/api/token" });
 * const token = await tokens.getToken();   // cached while valid
 * const fresh = await tokens.refreshToken(); // always asks the server
 * ```
 */
import { isTokenResponse } from "../protocol/guards.ts";
import type { Clock } from "../time/clock.ts";

/** The server refused to issue a token: the user has to log in again. */
export class AuthError extends Error {
  override name = "AuthError";
}

/** Where the client gets access tokens. */
export interface TokenSource {
  /** A valid token, cached or fresh. */
  getToken(): Promise<string>;
  /** A new token from the server. Rejects with {@linkcode AuthError} when signed out. */
  refreshToken(): Promise<string>;
}

/** Options of {@linkcode createTokenSource}. */
export interface TokenSourceOptions {
  /** The URL of `POST /api/token`. */
  url: string;
  clock: Clock;
  fetch?: typeof fetch;
  /** A cached token closer than this to its expiry is refreshed. Default 30 000. */
  marginMs?: number;
}

/** Creates the default {@linkcode TokenSource}. */
export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const { url, clock, fetch: fetchFn = globalThis.fetch, marginMs = 30_000 } = options;
  let cached: { token: string; expiresAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  const request = async (): Promise<string> => {
    const response = await fetchFn(url, { method: "POST", credentials: "include" });
    const body = await response.json().catch(() => null);
    if (response.status === 401) throw new AuthError("signed out: log in again");
    if (!response.ok) throw new Error(`token request failed: HTTP ${response.status}`);
    if (!isTokenResponse(body)) throw new Error("token request failed: unexpected response");
    cached = { token: body.token, expiresAt: body.expires_at };
    return body.token;
  };

  const refreshToken = () => {
    inFlight ??= request().finally(() => (inFlight = null));
    return inFlight;
  };

  return {
    refreshToken,
    getToken() {
      if (cached && cached.expiresAt - marginMs > clock.now()) return Promise.resolve(cached.token);
      return refreshToken();
    },
  };
}

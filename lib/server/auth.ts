/**
 * The account endpoints: `POST /api/login` (registers on first use),
 * `/api/guest`, `/api/token` (refresh by cookie) and `/api/logout`.
 *
 * The refresh token travels in two HttpOnly, SameSite=Strict cookies, each
 * scoped to the one endpoint that needs it: `sb_refresh` (the token itself,
 * `Path=/api/token`) and `sb_logout` (its SHA-256 handle, `Path=/api/logout`),
 * which can revoke the token but never mint an access token. So no other
 * request, not even other `/api` calls, carries a credential that mints tokens.
 *
 * @example
 * ```ts
 * const auth = createAuth({ config, kv, clock, log, tokens });
 * const response = await auth.handleLogin(req, info);
 * ```
 */
import type { Clock } from "../time/clock.ts";
import type { SessionUser } from "../protocol/frames.ts";
import { GuestBody, LoginBody, type TokenResponse } from "../protocol/http.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { TokenIssuer } from "./tokens.ts";
import { type Accounts, createAccounts, nameKey } from "./accounts.ts";
import { verifyPassword } from "./passwords.ts";
import { createRefreshTokens, type RefreshIdentity } from "./refresh_tokens.ts";
import { createKeyedLimiter } from "./token_bucket.ts";
import { errorResponse, isHttps, readCookie, readJsonBody } from "./http.ts";
import { createClientAddress } from "./client_address.ts";
import { sessionHintCookie } from "./session_hint.ts";

/** Cookie names and the paths they are scoped to. */
export const REFRESH_COOKIE = { name: "sb_refresh", path: "/api/token" } as const;
export const LOGOUT_COOKIE = { name: "sb_logout", path: "/api/logout" } as const;

/** The account endpoints and token checks. */
export interface Auth {
  tokens: TokenIssuer;
  accounts: Accounts;
  handleLogin(req: Request, info: Deno.ServeHandlerInfo): Promise<Response>;
  handleGuest(req: Request, info: Deno.ServeHandlerInfo): Promise<Response>;
  handleToken(req: Request): Promise<Response>;
  handleLogout(req: Request): Promise<Response>;
}

/** What {@linkcode createAuth} needs. */
export interface AuthOptions {
  config: Config;
  kv: Deno.Kv;
  clock: Clock;
  log: Logger;
  tokens: TokenIssuer;
}

function cookie(
  spec: { name: string; path: string },
  value: string,
  maxAgeS: number,
  secure: boolean,
): string {
  const attributes = [
    `${spec.name}=${value}`,
    `Path=${spec.path}`,
    `Max-Age=${maxAgeS}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (secure) attributes.push("Secure");
  return attributes.join("; ");
}

/** Creates the {@linkcode Auth} endpoints. */
export function createAuth({ config, kv, clock, log, tokens }: AuthOptions): Auth {
  const accounts = createAccounts(kv);
  const refreshTokens = createRefreshTokens({ kv, clock, ttlS: config.refreshTokenTtlS });
  const windowPerSecond = (attempts: number) => attempts / config.loginWindowS;
  const byName = createKeyedLimiter({
    burst: config.loginAttemptsPerName,
    perSecond: windowPerSecond(config.loginAttemptsPerName),
    clock,
  });
  const byAddress = createKeyedLimiter({
    burst: config.loginAttemptsPerAddress,
    perSecond: windowPerSecond(config.loginAttemptsPerAddress),
    clock,
  });
  const admins = new Set(config.adminUsers.map(nameKey));
  const clientAddress = createClientAddress(config.trustProxy);

  const roleOf = (identity: RefreshIdentity): SessionUser["role"] =>
    identity.guest ? "guest" : admins.has(nameKey(identity.name)) ? "admin" : "user";

  /** The token response, with fresh refresh cookies when `withCookies`. */
  const issue = async (req: Request, identity: RefreshIdentity, withCookies: boolean) => {
    const user: SessionUser = { id: identity.userId, name: identity.name, role: roleOf(identity) };
    const { token, expiresAt } = await tokens.sign(user);
    const body: TokenResponse = {
      token,
      expires_at: expiresAt,
      user: { id: user.id, name: user.name },
    };
    const headers = new Headers({ "cache-control": "no-store" });
    if (withCookies) {
      const refresh = await refreshTokens.create(identity);
      const secure = isHttps(req);
      const ttl = config.refreshTokenTtlS;
      headers.append("set-cookie", cookie(REFRESH_COOKIE, refresh.id, ttl, secure));
      headers.append("set-cookie", cookie(LOGOUT_COOKIE, refresh.handle, ttl, secure));
      headers.append("set-cookie", sessionHintCookie({ maxAgeS: ttl, secure }));
    }
    return Response.json(body, { headers });
  };

  const rateLimited = (retryAfterMs: number) =>
    errorResponse(429, "rate_limited", "too many login attempts; try again later", {
      "retry-after": String(Math.ceil(retryAfterMs / 1000)),
    });

  return {
    tokens,
    accounts,

    async handleLogin(req, info) {
      const parsed = await readJsonBody(req, LoginBody);
      if (!parsed.ok) return parsed.response;
      const { name, password } = parsed.body;
      const address = clientAddress(req, info);
      // Both buckets are charged on every attempt, so one cannot be drained to spare the other.
      const waitMs = Math.max(byAddress.take(address), byName.take(nameKey(name)));
      if (waitMs > 0) {
        log.warn("auth.login_rate_limited", { user: name, address, code: 429 });
        return rateLimited(waitMs);
      }

      let account = await accounts.find(name);
      if (!account) {
        const registered = await accounts.register(name, password, clock.now());
        if (registered.ok) {
          log.info("auth.registered", { user: registered.account.id, name });
          return issue(req, { userId: registered.account.id, name, guest: false }, true);
        }
        // Registered by a concurrent request: check the password against that account.
        account = await accounts.find(name);
      }
      if (!account || !await verifyPassword(password, account.password)) {
        log.warn("auth.login_failed", { user: name, address, code: 401 });
        return errorResponse(401, "unauthorized", "wrong name or password");
      }
      log.info("auth.login", { user: account.id });
      return issue(req, { userId: account.id, name: account.name, guest: false }, true);
    },

    async handleGuest(req) {
      const parsed = await readJsonBody(req, GuestBody);
      if (!parsed.ok) return parsed.response;
      const { name } = parsed.body;
      if (await accounts.find(name)) {
        return errorResponse(409, "forbidden", "this name is registered; log in with its password");
      }
      const userId = `guest:${crypto.randomUUID()}`;
      log.info("auth.guest", { user: userId, name });
      return issue(req, { userId, name, guest: true }, true);
    },

    async handleToken(req) {
      const id = readCookie(req, REFRESH_COOKIE.name);
      const record = id ? await refreshTokens.find(id) : null;
      if (!record) {
        // Pages stop thinking this browser is signed in.
        return errorResponse(401, "unauthorized", "no valid refresh cookie; log in again", {
          "set-cookie": sessionHintCookie({ maxAgeS: 0, secure: isHttps(req) }),
        });
      }
      return issue(req, record, false);
    },

    async handleLogout(req) {
      const handle = readCookie(req, LOGOUT_COOKIE.name);
      if (handle) await refreshTokens.revoke(handle);
      const secure = isHttps(req);
      const headers = new Headers({ "cache-control": "no-store" });
      headers.append("set-cookie", cookie(REFRESH_COOKIE, "", 0, secure));
      headers.append("set-cookie", cookie(LOGOUT_COOKIE, "", 0, secure));
      headers.append("set-cookie", sessionHintCookie({ maxAgeS: 0, secure }));
      return Response.json({ ok: true }, { headers });
    },
  };
}

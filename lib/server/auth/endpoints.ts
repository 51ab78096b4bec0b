/**
 * The account endpoints: `POST /api/register` (a new account), `/api/login`
 * (an existing one; it never registers, and answers an unknown name and a
 * wrong password alike, in words and in time), `/api/guest` (a guest holding
 * its name while active), `/api/token` (refresh by cookie), `/api/logout`, and
 * `/api/password` (with a bearer token: every other sign-in of the account
 * ends).
 *
 * The refresh token travels in two HttpOnly, SameSite=Strict cookies, each
 * scoped to the one endpoint that needs it: `sb_refresh` (the token itself,
 * `Path=/api/token`) and `sb_logout` (its SHA-256 handle, `Path=/api/logout`),
 * which can revoke the token but never mint an access token. So no other
 * request, not even other `/api` calls, carries a credential that mints tokens.
 * A third cookie, `sb_session` (`./session_hint.ts`), grants nothing: it only
 * tells pages that this browser has signed in, and is set and cleared with
 * the other two.
 *
 * @example
 * ```ts
 * const accounts = createAccounts(createKvAccountStore(kv));
 * const missing = createKvMissingAdminNames(kv);
 * const adminUsers = await resolveAdminUsers({ missing, accounts, names: config.adminUsers, now });
 * const refreshRecords = createKvRefreshRecords(kv);
 * const knownAddresses = createKnownAddresses(kv);
 * const auth = createAuth({
 *   config, refreshRecords, knownAddresses, clock, log, tokens, accounts, adminUsers,
 *   rateLimits: cluster.rateLimits,
 * });
 * const response = await auth.handleLogin(req, info);
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { SessionUser } from "../../protocol/frames.ts";
import { GuestBody, LoginBody, PasswordBody, type TokenResponse } from "../../protocol/http.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { TokenIssuer } from "./tokens.ts";
import type { RateLimits } from "../cluster/mod.ts";
import {
  type Accounts,
  type AdminUsers,
  type KnownAddresses,
  nameKey,
  type NameRefusal,
  roleOf,
  UNKNOWN_ACCOUNT_HASH,
  verifyPassword,
} from "../accounts/mod.ts";
import {
  createRefreshTokens,
  type RefreshIdentity,
  type RefreshRecord,
  type RefreshRecordStore,
} from "./refresh_tokens.ts";
import { createAuthLimits } from "./limits.ts";
import {
  createClientAddress,
  errorResponse,
  isHttps,
  isSameSiteRequest,
  MAX_BODY_BYTES,
  readBoundedBody,
  readCookie,
  readJsonBody,
} from "../http/mod.ts";
import { sessionHintCookie } from "./session_hint.ts";
import { authenticateRequest } from "./request_auth.ts";

/** Cookie names and the paths they are scoped to. */
export const REFRESH_COOKIE = { name: "sb_refresh", path: "/api/token" } as const;
export const LOGOUT_COOKIE = { name: "sb_logout", path: "/api/logout" } as const;

/** The account endpoints and token checks. */
export interface Auth {
  tokens: TokenIssuer;
  accounts: Accounts;
  handleLogin(req: Request, info: Deno.ServeHandlerInfo): Promise<Response>;
  handleRegister(req: Request, info: Deno.ServeHandlerInfo): Promise<Response>;
  handleGuest(req: Request, info: Deno.ServeHandlerInfo): Promise<Response>;
  handleToken(req: Request): Promise<Response>;
  handleLogout(req: Request): Promise<Response>;
  handlePassword(req: Request, info: Deno.ServeHandlerInfo): Promise<Response>;
}

/** What {@linkcode createAuth} needs. */
export interface AuthOptions {
  config: Config;
  /** Where refresh tokens are kept (`createKvRefreshRecords`, `createPgRefreshRecords`). */
  refreshRecords: RefreshRecordStore;
  /** The addresses accounts signed in from (`createKnownAddresses`, `createPgKnownAddresses`). */
  knownAddresses: KnownAddresses;
  clock: Clock;
  log: Logger;
  tokens: TokenIssuer;
  accounts: Accounts;
  /** What `ADMIN_USERS` granted at start (`resolveAdminUsers`). */
  adminUsers: Pick<AdminUsers, "ids">;
  /** The cluster's rate limits: the login and guest limits hold over every instance. */
  rateLimits: RateLimits;
  /**
   * Someone signed out of the sign-in `loginId`: its access tokens (valid
   * until `untilMs` at the latest) must stop working and their sockets close.
   */
  onSignedOut?: (loginId: string, untilMs: number) => Promise<void> | void;
  /**
   * The password of `userId` changed in the sign-in `keptLogin`: the other
   * sign-ins' access tokens (issued until `issuedBefore`, valid until `untilMs`
   * at the latest) must stop working and their sockets close.
   */
  onPasswordChanged?: (
    userId: string,
    revocation: { exceptLogin: string | null; issuedBefore: number; untilMs: number },
  ) => void;
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
export function createAuth(options: AuthOptions): Auth {
  const {
    config,
    refreshRecords,
    knownAddresses,
    clock,
    log,
    tokens,
    accounts,
    adminUsers,
    rateLimits,
  } = options;
  const refreshTokens = createRefreshTokens({
    records: refreshRecords,
    clock,
    ttlS: config.refreshTokenTtlS,
    guestIdleTtlS: config.guestIdleTtlS,
  });
  const limits = createAuthLimits({ config, rateLimits });
  const clientAddress = createClientAddress(config.trustProxy);

  /**
   * The role a refresh token signs in with now, or null if it may not: guests
   * stay guests (and hold their name a while longer), accounts read theirs,
   * and a token made before the account's password changed elsewhere is dead.
   */
  const currentRole = async (record: RefreshRecord): Promise<SessionUser["role"] | null> => {
    if (record.guest) {
      await accounts.touchGuestName(record.name, record.userId, clock.now());
      return "guest";
    }
    const account = await accounts.find(record.name);
    if (account?.id !== record.userId) return null;
    const changedAt = account.passwordChangedAt ?? 0;
    const outlived = (record.createdAt ?? 0) < changedAt && record.loginId !== account.keptLogin;
    return outlived ? null : roleOf(account, adminUsers);
  };

  /** The token response: an access token of the sign-in `loginId`, with `headers`. */
  const tokenResponse = async (
    identity: RefreshIdentity,
    role: SessionUser["role"],
    loginId: string | undefined,
    headers = new Headers(),
  ) => {
    const user: SessionUser = { id: identity.userId, name: identity.name, role };
    const { token, expiresAt } = await tokens.sign(user, { loginId });
    const body: TokenResponse = { token, expires_at: expiresAt, user };
    headers.set("cache-control", "no-store");
    return Response.json(body, { headers });
  };

  /** A new sign-in: its refresh token in fresh cookies, and its first access token. */
  const signIn = async (
    req: Request,
    identity: RefreshIdentity,
    role: SessionUser["role"],
    status = 200,
  ) => {
    const refresh = await refreshTokens.create(identity);
    const secure = isHttps(req);
    const ttl = config.refreshTokenTtlS;
    const headers = new Headers();
    headers.append("set-cookie", cookie(REFRESH_COOKIE, refresh.id, ttl, secure));
    headers.append("set-cookie", cookie(LOGOUT_COOKIE, refresh.handle, ttl, secure));
    headers.append("set-cookie", sessionHintCookie({ maxAgeS: ttl, secure }));
    const response = await tokenResponse(identity, role, refresh.loginId, headers);
    if (status === 200) return response;
    return new Response(response.body, { status, headers: response.headers });
  };

  /**
   * A name nobody may take: malformed or mixing scripts (400); held by an
   * account or an active guest, or looking like such a name (409 `name_taken`).
   */
  const nameRefused = (refusal: NameRefusal) =>
    refusal.reason === "invalid" || refusal.reason === "mixed_scripts"
      ? errorResponse(400, "bad_request", `name: ${refusal.message}`)
      : errorResponse(409, "name_taken", refusal.message);

  const badCredentials = () => errorResponse(401, "bad_credentials", "wrong name or password");

  const rateLimited = (retryAfterMs: number, message: string) =>
    errorResponse(429, "rate_limited", message, {
      "retry-after": String(Math.ceil(retryAfterMs / 1000)),
    });

  /**
   * Every endpoint that sets or clears cookies answers only requests from this
   * site's pages: a cross-site one gets 403 and no cookie (see isSameSiteRequest).
   */
  const sameSiteOnly = <Args extends [Request, ...unknown[]]>(
    handler: (...args: Args) => Promise<Response>,
  ) =>
  (...args: Args): Promise<Response> => {
    const [req] = args;
    if (isSameSiteRequest(req, config.allowedOrigins)) return handler(...args);
    log.warn("auth.cross_site_refused", {
      path: new URL(req.url).pathname,
      origin: req.headers.get("origin"),
      code: 403,
    });
    return Promise.resolve(
      errorResponse(403, "forbidden", "this request came from another site; sign in here instead"),
    );
  };

  return {
    tokens,
    accounts,

    handleLogin: sameSiteOnly(async (req: Request, info: Deno.ServeHandlerInfo) => {
      const parsed = await readJsonBody(req, LoginBody);
      if (!parsed.ok) return parsed.response;
      const { name, password } = parsed.body;
      const address = clientAddress(req, info);
      const limited = (waitMs: number) => {
        log.warn("auth.login_rate_limited", { user: name, address, code: 429 });
        return rateLimited(waitMs, "too many login attempts; try again later");
      };
      const addressWait = await limits.loginFrom(address);
      if (addressWait > 0) return limited(addressWait);
      const account = await accounts.find(name);
      // An unknown name reads and hashes as much as a known one: the time tells nothing.
      const known = await knownAddresses.has(account?.id ?? "user:unknown", address);
      const nameWait = await limits.loginTo(address, nameKey(name), account !== null && known);
      if (nameWait > 0) return limited(nameWait);
      const matches = await verifyPassword(password, account?.password ?? UNKNOWN_ACCOUNT_HASH);
      if (!account || !matches) {
        log.warn("auth.login_failed", { user: name, address, code: 401 });
        return badCredentials();
      }
      log.info("auth.login", { user: account.id });
      await knownAddresses.remember(account.id, address);
      const identity = { userId: account.id, name: account.name, guest: false };
      return signIn(req, identity, roleOf(account, adminUsers));
    }),

    handleRegister: sameSiteOnly(async (req: Request, info: Deno.ServeHandlerInfo) => {
      const parsed = await readJsonBody(req, LoginBody);
      if (!parsed.ok) return parsed.response;
      const address = clientAddress(req, info);
      const waitMs = await limits.registrationFrom(address);
      if (waitMs > 0) {
        log.warn("auth.register_rate_limited", { address, code: 429 });
        return rateLimited(waitMs, "too many new accounts from this address; try again later");
      }
      const { name, password } = parsed.body;
      const registered = await accounts.register(name, password, { now: clock.now() });
      if (!registered.ok) return nameRefused(registered);
      const { id, name: shown } = registered.account;
      log.info("auth.registered", { user: id, name: shown });
      await knownAddresses.remember(id, address);
      return signIn(req, { userId: id, name: shown, guest: false }, "user", 201);
    }),

    handleGuest: sameSiteOnly(async (req: Request, info: Deno.ServeHandlerInfo) => {
      const parsed = await readJsonBody(req, GuestBody);
      if (!parsed.ok) return parsed.response;
      const address = clientAddress(req, info);
      const waitMs = await limits.guestFrom(address);
      if (waitMs > 0) {
        log.warn("auth.guest_rate_limited", { address, code: 429 });
        return rateLimited(waitMs, "too many guest sign-ins from this address; try again later");
      }
      const userId = `guest:${crypto.randomUUID()}`;
      const claimed = await accounts.claimGuestName(parsed.body.name, userId, clock.now());
      if (!claimed.ok) return nameRefused(claimed);
      log.info("auth.guest", { user: userId, name: claimed.name });
      return signIn(req, { userId, name: claimed.name, guest: true }, "guest");
    }),

    handleToken: sameSiteOnly(async (req: Request) => {
      // No body is needed; one is read (within the bound) only so that a huge one is refused.
      const read = await readBoundedBody(req, MAX_BODY_BYTES);
      if (!read.ok) return read.response;
      const id = readCookie(req, REFRESH_COOKIE.name);
      const record = id ? await refreshTokens.use(id) : null;
      const role = record && await currentRole(record);
      if (!record || !role) {
        // Pages stop thinking this browser is signed in.
        return errorResponse(401, "unauthorized", "no valid refresh cookie; log in again", {
          "set-cookie": sessionHintCookie({ maxAgeS: 0, secure: isHttps(req) }),
        });
      }
      return tokenResponse(record, role, record.loginId);
    }),

    handleLogout: sameSiteOnly(async (req: Request) => {
      const read = await readBoundedBody(req, MAX_BODY_BYTES);
      if (!read.ok) return read.response;
      const handle = readCookie(req, LOGOUT_COOKIE.name);
      const revoked = handle ? await refreshTokens.revoke(handle) : null;
      if (revoked?.loginId) {
        log.info("auth.logout", { user: revoked.userId });
        await options.onSignedOut?.(revoked.loginId, clock.now() + config.accessTokenTtlS * 1000);
      }
      // A guest who signed out is gone: their name is free at once.
      if (revoked?.guest) await accounts.releaseGuestName(revoked.name, revoked.userId);
      const secure = isHttps(req);
      const headers = new Headers({ "cache-control": "no-store" });
      headers.append("set-cookie", cookie(REFRESH_COOKIE, "", 0, secure));
      headers.append("set-cookie", cookie(LOGOUT_COOKIE, "", 0, secure));
      headers.append("set-cookie", sessionHintCookie({ maxAgeS: 0, secure }));
      return Response.json({ ok: true }, { headers });
    }),

    async handlePassword(req, info) {
      const caller = await authenticateRequest(req, tokens);
      if (!caller.ok) return caller.response;
      const { user, loginId } = caller;
      if (user.role === "guest") {
        return errorResponse(403, "forbidden", "guests have no password; create an account");
      }
      const parsed = await readJsonBody(req, PasswordBody);
      if (!parsed.ok) return parsed.response;
      const address = clientAddress(req, info);
      // Guessing the old password from a stolen session is a login attempt like any other.
      const waitMs = Math.max(
        await limits.loginFrom(address),
        await limits.loginTo(address, nameKey(user.name), false),
      );
      if (waitMs > 0) return rateLimited(waitMs, "too many attempts; try again later");
      const now = clock.now();
      const changed = await accounts.changePassword(user.id, user.name, {
        oldPassword: parsed.body.old_password,
        newPassword: parsed.body.new_password,
        keptLogin: loginId,
        now,
      });
      if (!changed.ok) {
        log.warn("auth.password_refused", { user: user.id, reason: changed.reason });
        return changed.reason === "changed_meanwhile"
          ? errorResponse(409, "conflict", "the password changed meanwhile; try again")
          : errorResponse(401, "bad_credentials", "the old password is wrong");
      }
      log.info("auth.password_changed", { user: user.id });
      options.onPasswordChanged?.(user.id, {
        exceptLogin: loginId ?? null,
        issuedBefore: now,
        untilMs: now + config.accessTokenTtlS * 1000,
      });
      return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
    },
  };
}

/**
 * Signing in and out from a page: the calls behind the login form. They use
 * the page's origin with `credentials: "same-origin"`, so the HttpOnly refresh
 * cookie the server sets is kept for the client's `POST /api/token`.
 *
 * @example
 * ```ts
 * const result = await signIn({ name: "ada", password: "correct horse" });
 * if (result.ok) location.assign("/");
 * else showError(result.message); // the server's own words, e.g. "wrong name or password"
 * ```
 */
import type { PublicUser } from "../protocol/frames.ts";
import { isErrorBody, isTokenResponse } from "../protocol/guards.ts";

/** How a sign-in went; `message` is ready to show to the user. */
export type SignInResult =
  | { ok: true; user: PublicUser }
  | { ok: false; status: number; message: string };

/** Where the session endpoints are. */
export interface SessionOptions {
  /** Default `location.origin`; required outside a page. */
  origin?: string;
  /** Default `fetch`. */
  fetch?: typeof fetch;
}

function endpoint(path: string, options: SessionOptions): string {
  const origin = options.origin ?? globalThis.location?.origin;
  if (!origin) throw new TypeError("pass `origin` outside a page");
  return new URL(path, origin).href;
}

async function post(path: string, body: unknown, options: SessionOptions): Promise<Response> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  return await fetchFn(endpoint(path, options), {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function tokenRequest(
  path: string,
  body: unknown,
  options: SessionOptions,
): Promise<SignInResult> {
  let response: Response;
  try {
    response = await post(path, body, options);
  } catch (error) {
    return {
      ok: false,
      status: 0,
      message: `Can't reach the server (${(error as Error).message}). Check your connection.`,
    };
  }
  const json: unknown = await response.json().catch(() => null);
  if (response.ok) {
    if (isTokenResponse(json)) return { ok: true, user: json.user };
    return { ok: false, status: response.status, message: "The server sent an unexpected reply." };
  }
  return {
    ok: false,
    status: response.status,
    message: isErrorBody(json)
      ? json.error.message
      : `The server answered HTTP ${response.status}.`,
  };
}

/**
 * `POST /api/login`: signs in to an existing account (it never creates one).
 *
 * @example
 * ```ts
 * await signIn({ name: "ada", password: "correct horse" }, { origin: "http://localhost:8000" });
 * ```
 */
export function signIn(
  credentials: { name: string; password: string },
  options: SessionOptions = {},
): Promise<SignInResult> {
  return tokenRequest("/api/login", credentials, options);
}

/**
 * `POST /api/register`: creates the account and signs in to it.
 *
 * @example
 * ```ts
 * const result = await register({ name: "ada", password: "correct horse" });
 * if (!result.ok) showError(result.message); // "this name is registered; …"
 * ```
 */
export function register(
  credentials: { name: string; password: string },
  options: SessionOptions = {},
): Promise<SignInResult> {
  return tokenRequest("/api/register", credentials, options);
}

/**
 * `POST /api/guest`: a guest identity under `name`.
 *
 * @example
 * ```ts
 * const result = await continueAsGuest({ name: "visitor" });
 * ```
 */
export function continueAsGuest(
  guest: { name: string },
  options: SessionOptions = {},
): Promise<SignInResult> {
  return tokenRequest("/api/guest", guest, options);
}

/**
 * `POST /api/logout`: revokes the refresh cookie. Resolves whatever the
 * answer, since the page leaves for the login form either way.
 *
 * @example
 * ```ts
 * await signOut();
 * location.assign("/login");
 * ```
 */
export async function signOut(options: SessionOptions = {}): Promise<void> {
  try {
    const response = await post("/api/logout", {}, options);
    await response.body?.cancel();
  } catch {
    // Offline: the cookie stays until it expires; the page still leaves.
  }
}

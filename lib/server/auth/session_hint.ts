/**
 * The signed-in hint: a cookie (`sb_session=1`, `Path=/`) set beside the
 * refresh cookies and cleared with them, so that a page request, which never
 * carries the refresh cookie (`Path=/api/token`), can tell a visitor who has
 * never signed in. `/` sends those to the login form at once instead of
 * rendering a chat that could only fail to connect.
 *
 * It grants nothing: it holds no secret, and a forged one only gets the chat
 * page, whose client then finds there is no session (`POST /api/token` answers
 * 401, and clears the hint). It is HttpOnly since no script needs it, and
 * `SameSite=Lax` so that following a link to the chat from another site still
 * opens the chat.
 *
 * @example
 * ```ts
 * headers.append("set-cookie", sessionHintCookie({ maxAgeS: 2_592_000, secure: true }));
 * if (!hasSessionHint(req)) return redirectToLogin(url);
 * ```
 */
import { readCookie } from "../http/mod.ts";

/** The hint cookie's name. */
export const SESSION_HINT_COOKIE = "sb_session";

/**
 * The `Set-Cookie` value that sets the hint for `maxAgeS` seconds (0 clears it).
 *
 * @example
 * ```ts
 * sessionHintCookie({ maxAgeS: 0, secure: false }); // "sb_session=; Path=/; Max-Age=0; …"
 * ```
 */
export function sessionHintCookie({ maxAgeS, secure }: { maxAgeS: number; secure: boolean }) {
  const attributes = [
    `${SESSION_HINT_COOKIE}=${maxAgeS > 0 ? "1" : ""}`,
    "Path=/",
    `Max-Age=${maxAgeS}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (secure) attributes.push("Secure");
  return attributes.join("; ");
}

/**
 * Whether the request carries the hint.
 *
 * @example
 * ```ts
 * hasSessionHint(new Request("http://x/", { headers: { cookie: "sb_session=1" } })); // true
 * ```
 */
export function hasSessionHint(req: Request): boolean {
  return readCookie(req, SESSION_HINT_COOKIE) === "1";
}

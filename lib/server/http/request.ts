/**
 * What a request says about itself: its client's address as the connection
 * shows it, whether it came over HTTPS, its cookies, its bearer token, and
 * whether its `Origin` (or `Sec-Fetch-Site`) lets it open a connection or
 * change cookies.
 *
 * @example
 * ```ts
 * const token = bearerTokenOf(req);
 * if (!isAllowedOrigin(req, new URL(req.url), config.allowedOrigins)) return refuse();
 * ```
 */

/** The client's IP address, as the connection shows it. */
export function addressOf(info: Deno.ServeHandlerInfo): string {
  const address = info.remoteAddr as Deno.Addr;
  return "hostname" in address ? address.hostname : address.transport;
}

/** Whether the request reached us over HTTPS (directly or through a proxy that says so). */
export function isHttps(req: Request): boolean {
  return new URL(req.url).protocol === "https:" ||
    req.headers.get("x-forwarded-proto")?.split(",")[0].trim() === "https";
}

/** The value of one cookie of the request. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of req.headers.get("cookie")?.split(";") ?? []) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      return part.slice(separator + 1).trim();
    }
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerTokenOf(req: Request): string | undefined {
  return req.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/**
 * Whether the request's `Origin` may open a connection: the configured list,
 * or the server's own origin when the list is empty. Requests without an
 * `Origin` (non-browser clients) are allowed; browsers always send one on a
 * WebSocket and on cross-origin requests.
 */
export function isAllowedOrigin(req: Request, url: URL, allowed: string[]): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  if (allowed.length > 0) return allowed.includes(origin);
  return origin === `${isHttps(req) ? "https" : "http"}://${url.host}`;
}

/**
 * Whether a request that sets or clears cookies comes from a page of this
 * site, so that a page elsewhere cannot log a visitor in (login CSRF) or out.
 * A browser says where a request comes from: `Origin` (sent on every POST by
 * today's browsers), judged as {@linkcode isAllowedOrigin} judges sockets, and
 * else `Sec-Fetch-Site`, which must say `same-origin` (or `none`: typed by the
 * user). A request with neither header comes from no browser (curl, a bot, a
 * test) and cannot carry a victim's cookies, so it is allowed.
 *
 * @example
 * ```ts
 * if (!isSameSiteRequest(req, config.allowedOrigins)) {
 *   return errorResponse(403, "forbidden", "cross-site request refused");
 * }
 * ```
 */
export function isSameSiteRequest(req: Request, allowedOrigins: string[]): boolean {
  if (req.headers.has("origin")) return isAllowedOrigin(req, new URL(req.url), allowedOrigins);
  const site = req.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

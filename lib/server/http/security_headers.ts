/**
 * Headers that tell the browser what a page may do, set on every response
 * that passes the middleware (static files set `nosniff` themselves):
 *
 * - every response: `X-Content-Type-Options: nosniff`;
 * - HTML pages: a `Content-Security-Policy` that runs only this site's own
 *   scripts (the framework writes no inline script: `script-src 'self'`),
 *   allows no plugins (`object-src 'none'`), no `<base>` (`base-uri 'none'`),
 *   form posts only here, and no framing anywhere (`frame-ancestors 'none'`,
 *   and `X-Frame-Options: DENY` for browsers that predate it), plus
 *   `Referrer-Policy: same-origin`, so links out do not leak the room in the URL.
 *
 * Styles are this site's stylesheets; `style` attributes are allowed
 * (`style-src-attr 'unsafe-inline'`) because components set a few computed
 * values (an avatar's hue, a bar's width) that way; `<style>` elements are not.
 *
 * @example
 * ```ts
 * app.use(securityHeaders);
 * ```
 */
import type { Context } from "../../framework/context.ts";

/** The policy of every HTML page. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
};

/** Middleware: runs the rest of the chain and adds the headers to its response. */
export async function securityHeaders(ctx: Context<unknown>): Promise<Response> {
  const response = await ctx.next();
  // A WebSocket upgrade's answer is the runtime's to send as it is.
  if (response.status === 101) return response;
  const isPage = response.headers.get("content-type")?.startsWith("text/html") ?? false;
  const headers: Record<string, string> = isPage
    ? { ...PAGE_HEADERS, "x-content-type-options": "nosniff" }
    : { "x-content-type-options": "nosniff" };
  try {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  } catch {
    // Immutable headers (a redirect made by Response.redirect): copy them into a new response.
    const copy = new Response(response.body, response);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    return copy;
  }
}

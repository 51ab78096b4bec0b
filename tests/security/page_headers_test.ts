/**
 * Framing, sniffing and script injection: pages had no
 * `Content-Security-Policy` and no `X-Frame-Options`. Every page now carries a
 * CSP that runs only this site's scripts and forbids framing, and no page
 * holds an inline script for it to have to allow. (The browser side, that
 * pages still hydrate under it and cannot be framed, is
 * tests/e2e/csp_test.ts.)
 */
import { equal, match, ok } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";
import { CONTENT_SECURITY_POLICY } from "../../lib/server/http/security_headers.ts";

Deno.test("page headers: every page carries the CSP, X-Frame-Options, nosniff and a referrer policy", async () => {
  await using server = await startTestServer();
  for (const path of ["/", "/login", "/status", "/no-such-page"]) {
    const response = await fetch(`${server.origin}${path}`);
    const html = await response.text();
    equal(response.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY, path);
    equal(response.headers.get("x-frame-options"), "DENY", path);
    equal(response.headers.get("x-content-type-options"), "nosniff", path);
    equal(response.headers.get("referrer-policy"), "same-origin", path);
    for (const tag of html.match(/<script[^>]*>/g) ?? []) {
      ok(/type="application\/json"|src="\//.test(tag), `${path}: no inline script (${tag})`);
    }
  }
  for (
    const directive of [
      "script-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ]
  ) {
    match(CONTENT_SECURITY_POLICY, new RegExp(directive));
  }
  ok(
    !/script-src[^;]*unsafe/.test(CONTENT_SECURITY_POLICY),
    "no unsafe-inline or unsafe-eval for scripts",
  );

  const api = await fetch(`${server.origin}/api/config`);
  await api.body?.cancel();
  equal(api.headers.get("x-content-type-options"), "nosniff");
  const redirect = await fetch(`${server.origin}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ name: "visitor", mode: "guest", next: "/" }),
    redirect: "manual",
  });
  equal(redirect.status, 303);
  equal(redirect.headers.get("x-content-type-options"), "nosniff");
});

/**
 * The signed-in hint (`lib/server/auth/session_hint.ts`): set with the refresh
 * cookies, cleared on logout and by a refused refresh; `/` without it is
 * redirected to the login form on the server.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";

function hintCookie(response: Response): string | undefined {
  return response.headers.getSetCookie().find((cookie) => cookie.startsWith("sb_session="));
}

Deno.test("/ without the hint is a 303 to the login form, which comes back to it", async () => {
  await using server = await startTestServer();
  const cases = [
    ["/", "/login?next=/"],
    ["/?room=design", "/login?next=/%3Froom%3Ddesign"],
  ];
  for (const [path, location] of cases) {
    const response = await fetch(server.origin + path, { redirect: "manual" });
    equal(response.status, 303, path);
    equal(response.headers.get("location"), location);
    equal(await response.text(), "", "no chat is rendered");
  }
  const login = await (await fetch(`${server.origin}/login?next=/%3Froom%3Ddesign`)).text();
  match(login, /<input type="hidden" name="next" value="\/\?room=design"/);

  const signedIn = await fetch(`${server.origin}/`, {
    headers: { cookie: "sb_session=1" },
    redirect: "manual",
  });
  equal(signedIn.status, 200);
  match(await signedIn.text(), /data-island="Chat"/);
});

Deno.test("login sets the hint with the refresh cookies; logout and a refused refresh clear it", async () => {
  await using server = await startTestServer();
  const login = await fetch(`${server.origin}/api/guest`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "visitor" }),
  });
  equal(login.status, 200);
  await login.body?.cancel();
  const hint = hintCookie(login);
  ok(hint);
  deepEqual(hint.split("; "), [
    "sb_session=1",
    "Path=/",
    `Max-Age=${server.services.config.refreshTokenTtlS}`,
    "HttpOnly",
    "SameSite=Lax",
  ]);

  const logout = await fetch(`${server.origin}/api/logout`, { method: "POST" });
  match(hintCookie(logout) ?? "", /^sb_session=; Path=\/; Max-Age=0;/);
  await logout.body?.cancel();

  const refused = await fetch(`${server.origin}/api/token`, { method: "POST" });
  equal(refused.status, 401);
  match(hintCookie(refused) ?? "", /^sb_session=; Path=\/; Max-Age=0;/);
  await refused.body?.cancel();

  const overHttps = await fetch(`${server.origin}/api/guest`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
    body: JSON.stringify({ name: "secure" }),
  });
  await overHttps.body?.cancel();
  match(hintCookie(overHttps) ?? "", /; Secure$/);
});

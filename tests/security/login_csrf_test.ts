/**
 * Attack: login CSRF and the open redirect. Before the fix a cross-site form
 * POST to `/login` logged the victim into the attacker's account (303 and
 * cookies), and `/login?next=%2F%09%2Fevil.example` sent the browser to
 * `http://evil.example/` after signing in. Every cookie-setting POST now
 * refuses a cross-site request with 403 and no cookie, and `next` is only ever
 * a path of this site.
 */
import { equal, match } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";

const PASSWORD = "correct horse battery";
const EVIL = "https://evil.example";

type Headers = Record<string, string>;

function postJson(server: TestServer, path: string, body: unknown, headers: Headers = {}) {
  return fetch(`${server.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    redirect: "manual",
  });
}

function postForm(server: TestServer, fields: Record<string, string>, headers: Headers = {}) {
  return fetch(`${server.origin}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** The attacker's own account, which the attack would log the victim into. */
async function attackerAccount(server: TestServer) {
  const registered = await postJson(server, "/api/register", {
    name: "mallory",
    password: PASSWORD,
  });
  equal(registered.status, 201);
  await registered.body?.cancel();
  return { name: "mallory", password: PASSWORD };
}

/** What a browser on evil.example sends along with its cross-site POST. */
const CROSS_SITE: [string, Headers][] = [
  ["a foreign Origin", { origin: EVIL, "sec-fetch-site": "cross-site" }],
  ["Origin: null (sandboxed frame)", { origin: "null", "sec-fetch-site": "cross-site" }],
  ["Sec-Fetch-Site: cross-site and no Origin", { "sec-fetch-site": "cross-site" }],
  ["Sec-Fetch-Site: same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }],
];

Deno.test("login CSRF: a cross-site form POST to /login gets 403 and no cookie", async () => {
  await using server = await startTestServer();
  const attacker = await attackerAccount(server);
  for (const [how, headers] of CROSS_SITE) {
    for (const mode of ["login", "register", "guest"]) {
      const fields: Record<string, string> = mode === "guest" ? { intent: "guest" } : { mode };
      const response = await postForm(server, { ...attacker, ...fields, next: "/" }, headers);
      equal(response.status, 403, `${how}, ${mode}`);
      equal(response.headers.get("set-cookie"), null, `${how}, ${mode}: no cookie`);
      match(await response.text(), /another site/);
    }
  }
});

Deno.test("login CSRF: every cookie-setting API refuses cross-site requests with 403 and no cookie", async () => {
  await using server = await startTestServer();
  const attacker = await attackerAccount(server);
  const endpoints: [string, unknown][] = [
    ["/api/login", attacker],
    ["/api/register", { name: "someone", password: PASSWORD }],
    ["/api/guest", { name: "visitor" }],
    ["/api/token", {}],
    ["/api/logout", {}],
  ];
  for (const [path, body] of endpoints) {
    for (const [how, headers] of CROSS_SITE) {
      const response = await postJson(server, path, body, headers);
      equal(response.status, 403, `${path}, ${how}`);
      equal(response.headers.get("set-cookie"), null, `${path}, ${how}: no cookie`);
      equal((await response.json()).error.code, "forbidden");
    }
  }
});

Deno.test("login CSRF: this site's pages, listed origins and non-browser clients still sign in", async () => {
  await using server = await startTestServer({
    env: { ALLOWED_ORIGINS: "https://chat.example.com" },
  });
  const attacker = await attackerAccount(server);
  const allowed: [string, Headers][] = [
    ["a listed origin", { origin: "https://chat.example.com", "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-origin and no Origin", { "sec-fetch-site": "same-origin" }],
    ["no Origin and no Sec-Fetch-Site (curl)", {}],
  ];
  for (const [how, headers] of allowed) {
    const response = await postJson(server, "/api/login", attacker, headers);
    equal(response.status, 200, how);
    // The refresh cookie, its logout handle and the signed-in hint.
    equal(response.headers.getSetCookie().length, 3, `${how}: cookies set`);
    await response.body?.cancel();
  }

  await using sameOrigin = await startTestServer();
  await attackerAccount(sameOrigin);
  const form = await postForm(sameOrigin, { ...attacker, mode: "login", next: "/status" }, {
    origin: sameOrigin.origin,
    "sec-fetch-site": "same-origin",
  });
  equal(form.status, 303);
  equal(form.headers.get("location"), "/status");
  equal(form.headers.getSetCookie().length, 3);
});

Deno.test("open redirect: /login keeps only same-site paths in next, on the page and after the POST", async () => {
  await using server = await startTestServer();
  const attacker = await attackerAccount(server);
  const page = await fetch(`${server.origin}/login?next=%2F%09%2Fevil.example`);
  const html = await page.text();
  match(html, /<input type="hidden" name="next" value="\/"\/>/);

  const sameSite = { origin: server.origin, "sec-fetch-site": "same-origin" };
  const attempts = [
    "/\t/evil.example",
    "/\\evil.example",
    "//evil.example",
    "https://evil.example",
  ];
  for (const next of attempts) {
    const response = await postForm(server, { ...attacker, mode: "login", next }, sameSite);
    equal(response.status, 303, JSON.stringify(next));
    equal(response.headers.get("location"), "/", JSON.stringify(next));
  }
});

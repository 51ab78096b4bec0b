import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";
import { TokenResponse } from "../../lib/protocol/http.ts";

const post = (origin: string, path: string, body?: unknown, headers: HeadersInit = {}) =>
  fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** The `name=value` pairs of the response's Set-Cookie headers, for a Cookie header. */
const cookiesOf = (response: Response) =>
  response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");

Deno.test("login registers a name on first use, then checks its password", async () => {
  await using server = await startTestServer();
  const first = await post(server.origin, "/api/login", { name: "Ada", password: "correct horse" });
  equal(first.status, 200);
  const registered = TokenResponse.parse(await first.json());
  equal(registered.user.name, "Ada");
  match(registered.user.id, /^user:/);
  const verified = await server.services.tokens.verify(registered.token);
  ok(verified.ok);
  equal(verified.user.role, "user");
  equal(verified.expiresAt, registered.expires_at);

  const again = await post(server.origin, "/api/login", { name: "ada", password: "correct horse" });
  equal(again.status, 200);
  equal(TokenResponse.parse(await again.json()).user.id, registered.user.id);

  const wrong = await post(server.origin, "/api/login", {
    name: "Ada",
    password: "wrong password",
  });
  equal(wrong.status, 401);
  deepEqual(await wrong.json(), {
    error: { code: "unauthorized", message: "wrong name or password" },
  });
  deepEqual(wrong.headers.getSetCookie(), []);
});

Deno.test("login sets HttpOnly SameSite=Strict cookies scoped to /api/token and /api/logout", async () => {
  await using server = await startTestServer();
  const response = await post(server.origin, "/api/login", {
    name: "ada",
    password: "correct horse",
  });
  await response.body?.cancel();
  // The third is the signed-in hint (tests/integration/session_hint_test.ts).
  const cookies = response.headers.getSetCookie();
  equal(cookies.length, 3);
  match(
    cookies[0],
    /^sb_refresh=[\w-]+; Path=\/api\/token; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
  );
  match(
    cookies[1],
    /^sb_logout=[0-9a-f]{64}; Path=\/api\/logout; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
  );

  const overHttps = await post(server.origin, "/api/guest", { name: "bob" }, {
    "x-forwarded-proto": "https",
  });
  await overHttps.body?.cancel();
  ok(overHttps.headers.getSetCookie().every((cookie) => cookie.endsWith("; Secure")));
});

Deno.test("login refuses bad bodies with 400 and a reason", async () => {
  await using server = await startTestServer();
  const cases: [unknown, RegExp][] = [
    [{ name: "ada", password: "short" }, /password: password must be at least 8 characters/],
    [{ name: "", password: "correct horse" }, /^name: /],
    [{ password: "correct horse" }, /^name: /],
  ];
  for (const [body, message] of cases) {
    const response = await post(server.origin, "/api/login", body);
    equal(response.status, 400);
    const { error } = await response.json();
    equal(error.code, "bad_request");
    match(error.message, message);
  }
  const notJson = await fetch(`${server.origin}/api/login`, { method: "POST", body: "{nope" });
  equal(notJson.status, 400);
  equal((await notJson.json()).error.message, "body is not valid JSON");
  equal(await server.services.auth.accounts.find("ada"), null);
});

Deno.test("login attempts are rate-limited per name", async () => {
  await using server = await startTestServer({ env: { LOGIN_ATTEMPTS_PER_NAME: "2" } });
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await post(server.origin, "/api/login", {
      name: "ada",
      password: "correct horse",
    });
    equal(response.status, 200);
    await response.body?.cancel();
  }
  const limited = await post(server.origin, "/api/login", {
    name: "ada",
    password: "correct horse",
  });
  equal(limited.status, 429);
  equal((await limited.json()).error.code, "rate_limited");
  ok(Number(limited.headers.get("retry-after")) > 0);

  const otherName = await post(server.origin, "/api/login", {
    name: "bob",
    password: "correct horse",
  });
  equal(otherName.status, 200);
  await otherName.body?.cancel();
});

Deno.test("login attempts are rate-limited per address", async () => {
  await using server = await startTestServer({ env: { LOGIN_ATTEMPTS_PER_ADDRESS: "2" } });
  // Distinct names, so only the per-address limit can refuse.
  for (const name of ["a1", "a2"]) {
    const response = await post(server.origin, "/api/login", { name, password: "correct horse" });
    equal(response.status, 200);
    await response.body?.cancel();
  }
  const limited = await post(server.origin, "/api/login", {
    name: "a3",
    password: "correct horse",
  });
  equal(limited.status, 429);
  await limited.body?.cancel();
  equal(await server.services.auth.accounts.find("a3"), null);
});

Deno.test("guest gets a guest identity, but not a registered name", async () => {
  await using server = await startTestServer();
  const response = await post(server.origin, "/api/guest", { name: "visitor" });
  equal(response.status, 200);
  const guest = TokenResponse.parse(await response.json());
  match(guest.user.id, /^guest:/);
  equal(guest.user.name, "visitor");
  const verified = await server.services.tokens.verify(guest.token);
  ok(verified.ok);
  equal(verified.user.role, "guest");

  const login = await post(server.origin, "/api/login", { name: "ada", password: "correct horse" });
  await login.body?.cancel();
  const taken = await post(server.origin, "/api/guest", { name: "ADA" });
  equal(taken.status, 409);
  equal((await taken.json()).error.code, "forbidden");
});

Deno.test("ADMIN_USERS get role admin", async () => {
  await using server = await startTestServer({ env: { ADMIN_USERS: "root, ada" } });
  const response = await post(server.origin, "/api/login", {
    name: "Ada",
    password: "correct horse",
  });
  const { token } = await response.json();
  const verified = await server.services.tokens.verify(token);
  ok(verified.ok);
  equal(verified.user.role, "admin");
});

Deno.test("the refresh cookie mints new access tokens until logout", async () => {
  await using server = await startTestServer();
  const login = await post(server.origin, "/api/login", { name: "ada", password: "correct horse" });
  const { user } = await login.json();
  const cookies = cookiesOf(login);

  const refreshed = await post(server.origin, "/api/token", undefined, { cookie: cookies });
  equal(refreshed.status, 200);
  const body = TokenResponse.parse(await refreshed.json());
  deepEqual(body.user, user);
  ok((await server.services.tokens.verify(body.token)).ok);

  const withoutCookie = await post(server.origin, "/api/token");
  equal(withoutCookie.status, 401);
  equal((await withoutCookie.json()).error.code, "unauthorized");
  const forged = await post(server.origin, "/api/token", undefined, {
    cookie: "sb_refresh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  });
  equal(forged.status, 401);
  await forged.body?.cancel();

  const logout = await post(server.origin, "/api/logout", undefined, { cookie: cookies });
  equal(logout.status, 200);
  await logout.body?.cancel();
  for (const cookie of logout.headers.getSetCookie()) match(cookie, /^sb_\w+=; .*Max-Age=0/);

  // The browser would drop the cookie; a stolen copy of it must not work either.
  const afterLogout = await post(server.origin, "/api/token", undefined, { cookie: cookies });
  equal(afterLogout.status, 401);
  await afterLogout.body?.cancel();
});

Deno.test("GET /api/config reports the effective settings", async () => {
  await using server = await startTestServer({
    env: { HEARTBEAT_MS: "10000", RATE_BURST: "7", MAX_CONNECTIONS_PER_USER: "3" },
  });
  const response = await fetch(`${server.origin}/api/config`);
  equal(response.status, 200);
  deepEqual(await response.json(), {
    protocol: "switchboard.v1",
    versions: [1],
    endpoints: { ws: "/api/ws", events: "/api/events", send: "/api/send" },
    heartbeat_ms: 10000,
    limits: {
      max_frame_bytes: 65536,
      max_text_chars: 4000,
      rate: { burst: 7, per_second: 5 },
      max_connections_per_user: 3,
    },
    features: [
      "rooms",
      "history",
      "resume",
      "presence",
      "typing",
      "idempotent_send",
      "token_refresh",
    ],
  });
});

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

Deno.test("login signs in to a registered account, then checks its password", async () => {
  await using server = await startTestServer();
  const first = await post(server.origin, "/api/register", {
    name: "Ada",
    password: "correct horse",
  });
  equal(first.status, 201);
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
    error: { code: "bad_credentials", message: "wrong name or password" },
  });
  deepEqual(wrong.headers.getSetCookie(), []);
});

Deno.test("signing in sets HttpOnly SameSite=Strict cookies scoped to /api/token and /api/logout", async () => {
  await using server = await startTestServer();
  const response = await post(server.origin, "/api/register", {
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

Deno.test("login attempts are rate-limited per name and address", async () => {
  await using server = await startTestServer({
    env: { LOGIN_ATTEMPTS_PER_NAME: "2", TRUST_PROXY: "loopback" },
  });
  const from = (address: string) => ({ "x-forwarded-for": address });
  for (const name of ["ada", "bob"]) {
    const registered = await post(server.origin, "/api/register", {
      name,
      password: "correct horse",
    });
    await registered.body?.cancel();
  }
  const attempt = async (name: string, password: string, address: string) => {
    const response = await post(server.origin, "/api/login", { name, password }, from(address));
    await response.body?.cancel();
    return response;
  };
  equal((await attempt("ada", "correct horse", "198.51.100.1")).status, 200);
  equal((await attempt("ada", "wrong password", "203.0.113.9")).status, 401);
  equal((await attempt("ada", "wrong password", "203.0.113.9")).status, 401);
  const limited = await attempt("ada", "wrong password", "203.0.113.9");
  equal(limited.status, 429);
  ok(Number(limited.headers.get("retry-after")) > 0);

  equal((await attempt("ada", "wrong password", "203.0.113.10")).status, 401, "another address");
  equal((await attempt("bob", "correct horse", "203.0.113.9")).status, 200, "another name");
});

Deno.test("login attempts are rate-limited per address", async () => {
  await using server = await startTestServer({ env: { LOGIN_ATTEMPTS_PER_ADDRESS: "2" } });
  // Distinct names, so only the per-address limit can refuse.
  for (const name of ["a1", "a2"]) {
    const response = await post(server.origin, "/api/login", { name, password: "correct horse" });
    equal(response.status, 401);
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

  const login = await post(server.origin, "/api/register", {
    name: "ada",
    password: "correct horse",
  });
  await login.body?.cancel();
  const taken = await post(server.origin, "/api/guest", { name: "ADA" });
  equal(taken.status, 409);
  equal((await taken.json()).error.code, "name_taken");
});

Deno.test("ADMIN_USERS grant role admin to accounts that existed at start, and only those", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-admin-users-" });
  const kvPath = `${dir}/switchboard.kv`;
  try {
    {
      await using before = await startTestServer({ kvPath });
      const ada = await post(before.origin, "/api/register", {
        name: "ada",
        password: "correct horse",
      });
      await ada.body?.cancel();
    }
    await using server = await startTestServer({ kvPath, env: { ADMIN_USERS: "root, Ada" } });
    const root = await post(server.origin, "/api/register", {
      name: "root",
      password: "correct horse",
    });
    await root.body?.cancel();
    const roleOf = async (name: string) => {
      const response = await post(server.origin, "/api/login", { name, password: "correct horse" });
      const verified = await server.services.tokens.verify((await response.json()).token);
      ok(verified.ok);
      return verified.user.role;
    };
    equal(await roleOf("ADA"), "admin");
    equal(await roleOf("root"), "user", "root was registered after the start");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the refresh cookie mints new access tokens until logout", async () => {
  await using server = await startTestServer();
  const login = await post(server.origin, "/api/register", {
    name: "ada",
    password: "correct horse",
  });
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
      "history_after",
      "accounts",
      "membership",
      "private_rooms",
      "dm",
      "edits",
      "reactions",
      "replies",
      "read_state",
      "mentions",
      "search",
      "presence_summary",
    ],
  });
});

/**
 * Accounts as the contract's second edition has them, through the real
 * server: registering apart from signing in (login never creates), one answer
 * for an unknown name and a wrong password (in words and in time), guests
 * holding their names, password changes ending the other sign-ins, and `role`
 * on every user object.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { ACCOUNT_PASSWORD, registerAccount, signInAccount } from "../_helpers/accounts.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { TokenResponse } from "../../lib/protocol/http.ts";

const post = (origin: string, path: string, body?: unknown, headers: HeadersInit = {}) =>
  fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Status and body of a request. */
async function answer(response: Promise<Response>) {
  const done = await response;
  const text = await done.text();
  return { status: done.status, body: text === "" ? null : JSON.parse(text) };
}

/** A `POST /api/token` with the cookies of a sign-in. */
const refresh = (server: TestServer, cookie: string) =>
  answer(post(server.origin, "/api/token", undefined, { cookie }));

Deno.test("register makes the account (201, login's body, cookies); the name is held from then on", async () => {
  await using server = await startTestServer();
  const response = await post(server.origin, "/api/register", {
    name: "Ada",
    password: ACCOUNT_PASSWORD,
  });
  equal(response.status, 201);
  equal(response.headers.getSetCookie().length, 3);
  const body = TokenResponse.parse(await response.json());
  deepEqual({ ...body.user, id: "" }, { id: "", name: "Ada", role: "user" });
  match(body.user.id, /^user:/);

  for (const name of ["ada", "ADA", "Аda", "4da"]) {
    const again = await answer(post(server.origin, "/api/register", {
      name,
      password: ACCOUNT_PASSWORD,
    }));
    // "Аda" mixes scripts (400); "4da" is another name; the others are taken.
    if (name === "Аda") equal(again.status, 400, name);
    else if (name === "4da") equal(again.status, 201, name);
    else deepEqual([again.status, again.body.error.code], [409, "name_taken"], name);
  }
  const short = await answer(
    post(server.origin, "/api/register", { name: "bob", password: "short" }),
  );
  deepEqual([short.status, short.body.error.code], [400, "bad_request"]);
  match(short.body.error.message, /at least 8 characters/);
  const signedIn = await signInAccount(server.origin, "ADA");
  equal(signedIn.user.id, body.user.id);
});

Deno.test("login never registers, and answers an unknown name as a wrong password", async () => {
  await using server = await startTestServer();
  const unknown = await answer(post(server.origin, "/api/login", {
    name: "alcie",
    password: ACCOUNT_PASSWORD,
  }));
  deepEqual(unknown, {
    status: 401,
    body: { error: { code: "bad_credentials", message: "wrong name or password" } },
  });
  await registerAccount(server.origin, "alice");
  const wrong = await answer(post(server.origin, "/api/login", {
    name: "alice",
    password: "not the password",
  }));
  deepEqual(wrong, unknown);
  equal(await server.services.auth.accounts.find("alcie"), null, "nothing was created");
});

Deno.test("login: an unknown name costs a password hash, as a wrong password does", async () => {
  await using server = await startTestServer({
    env: { LOGIN_ATTEMPTS_PER_ADDRESS: "100", LOGIN_ATTEMPTS_PER_NAME: "100" },
  });
  await registerAccount(server.origin, "alice");
  const timed = async (name: string) => {
    const started = performance.now();
    const { status } = await answer(post(server.origin, "/api/login", {
      name,
      password: "not the password",
    }));
    equal(status, 401);
    return performance.now() - started;
  };
  // The median of a few, alternating, so that neither side gets the warm-up.
  const known: number[] = [];
  const unknown: number[] = [];
  for (let round = 0; round < 5; round++) {
    known.push(await timed("alice"));
    unknown.push(await timed(`nobody${round}`));
  }
  const median = (times: number[]) => times.sort((a, b) => a - b)[2];
  // A PBKDF2 of 600 000 rounds takes hundreds of ms; skipping it, a few.
  ok(
    median(unknown) > median(known) / 2,
    `unknown ${median(unknown).toFixed(0)} ms against known ${median(known).toFixed(0)} ms`,
  );
});

Deno.test("guests hold their name while active: no second guest, no new account; free once gone", async () => {
  await using server = await startTestServer();
  const first = await post(server.origin, "/api/guest", { name: "zed" });
  equal(first.status, 200);
  const guestCookie = first.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
  const zed = TokenResponse.parse(await first.json());
  deepEqual({ ...zed.user, id: "" }, { id: "", name: "zed", role: "guest" });

  for (const name of ["zed", "ZED"]) {
    const second = await answer(post(server.origin, "/api/guest", { name }));
    deepEqual([second.status, second.body.error.code], [409, "name_taken"], name);
  }
  const account = await answer(post(server.origin, "/api/register", {
    name: "Zed",
    password: ACCOUNT_PASSWORD,
  }));
  deepEqual([account.status, account.body.error.code], [409, "name_taken"]);

  await registerAccount(server.origin, "bob");
  const asBob = await answer(post(server.origin, "/api/guest", { name: "bob" }));
  deepEqual([asBob.status, asBob.body.error.code], [409, "name_taken"], "an account's name");

  // The guest signs out: its name is free again.
  const logout = await post(server.origin, "/api/logout", {}, { cookie: guestCookie });
  await logout.body?.cancel();
  equal((await answer(post(server.origin, "/api/guest", { name: "zed" }))).status, 200);
});

Deno.test("password change: 204, the other sign-ins end (refresh and sockets), this one stays", async () => {
  await using server = await startTestServer();
  const phone = await registerAccount(server.origin, "ada");
  const laptop = await signInAccount(server.origin, "ada");
  await using phoneSocket = await openSocket(server.wsUrl, { token: phone.token });
  await using laptopSocket = await openSocket(server.wsUrl, { token: laptop.token });
  await phoneSocket.nextOf("hello");
  await laptopSocket.nextOf("hello");

  const changed = await answer(post(server.origin, "/api/password", {
    old_password: ACCOUNT_PASSWORD,
    new_password: "a brand new password",
  }, { authorization: `Bearer ${phone.token}` }));
  deepEqual(changed, { status: 204, body: null });

  const error = await laptopSocket.nextOf("error");
  deepEqual([error.code, error.message], ["unauthorized", "signed out"]);
  equal((await laptopSocket.closed).code, 4401);
  equal((await refresh(server, laptop.cookie)).status, 401, "the laptop's refresh token is dead");
  equal((await server.services.tokens.verify(laptop.token)).ok, false);

  const stays = await refresh(server, phone.cookie);
  equal(stays.status, 200, "the phone changed it and stays signed in");
  phoneSocket.send({ type: "ping", t: 1 });
  equal((await phoneSocket.nextOf("pong")).t, 1);

  const old = await answer(
    post(server.origin, "/api/login", { name: "ada", password: ACCOUNT_PASSWORD }),
  );
  equal(old.status, 401);
  await signInAccount(server.origin, "ada", "a brand new password");
});

Deno.test("password change: refused for a wrong old password, a guest, no token and a short new one", async () => {
  await using server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  const bearer = { authorization: `Bearer ${ada.token}` };
  const wrong = await answer(post(server.origin, "/api/password", {
    old_password: "not the password",
    new_password: "a brand new password",
  }, bearer));
  deepEqual([wrong.status, wrong.body.error.code], [401, "bad_credentials"]);
  const short = await answer(post(server.origin, "/api/password", {
    old_password: ACCOUNT_PASSWORD,
    new_password: "short",
  }, bearer));
  equal(short.status, 400);
  const anonymous = await answer(post(server.origin, "/api/password", {
    old_password: ACCOUNT_PASSWORD,
    new_password: "a brand new password",
  }));
  equal(anonymous.status, 401);
  const guest = TokenResponse.parse(
    await (await post(server.origin, "/api/guest", { name: "zed" })).json(),
  );
  const asGuest = await answer(post(server.origin, "/api/password", {
    old_password: ACCOUNT_PASSWORD,
    new_password: "a brand new password",
  }, { authorization: `Bearer ${guest.token}` }));
  deepEqual([asGuest.status, asGuest.body.error.code], [403, "forbidden"]);
  // Nothing changed: the password still signs in.
  await signInAccount(server.origin, "ada");
});

Deno.test("registration is limited per address, and only from this site", async () => {
  await using server = await startTestServer({ env: { REGISTRATIONS_PER_ADDRESS: "2" } });
  await registerAccount(server.origin, "one");
  await registerAccount(server.origin, "two");
  const third = await post(server.origin, "/api/register", {
    name: "three",
    password: ACCOUNT_PASSWORD,
  });
  equal(third.status, 429);
  ok(Number(third.headers.get("retry-after")) > 0);
  equal((await third.json()).error.code, "rate_limited");

  const foreign = await post(server.origin, "/api/register", {
    name: "four",
    password: ACCOUNT_PASSWORD,
  }, { origin: "https://evil.example" });
  equal(foreign.status, 403);
  deepEqual(foreign.headers.getSetCookie(), []);
  await foreign.body?.cancel();
});

Deno.test("every user object carries its role: hello, messages, presence, typing", async () => {
  await using server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  const guest = TokenResponse.parse(
    await (await post(server.origin, "/api/guest", { name: "zed" })).json(),
  );
  deepEqual(guest.user.role, "guest");
  await using adaSocket = await openSocket(server.wsUrl, { token: ada.token });
  await using zedSocket = await openSocket(server.wsUrl, { token: guest.token });
  deepEqual((await adaSocket.nextOf("hello")).user, ada.user);
  deepEqual((await zedSocket.nextOf("hello")).user, guest.user);

  adaSocket.send({ type: "join", room: "general" });
  await adaSocket.nextOf("joined");
  zedSocket.send({ type: "join", room: "general" });
  const joined = await zedSocket.nextOf("joined");
  deepEqual(joined.presence.map((user) => user.role).sort(), ["guest", "user"]);
  const presence = await adaSocket.nextOf("presence");
  deepEqual(presence.joins, [guest.user]);

  zedSocket.send({ type: "typing", room: "general" });
  deepEqual((await adaSocket.nextOf("typing")).user, guest.user);
  zedSocket.send({ type: "send", room: "general", text: "hi", cid: "c1" });
  deepEqual((await adaSocket.nextOf("message")).user, guest.user);
});

Deno.test("user lookup: signed-in callers only, bounded, by name prefix, guests marked", async () => {
  await using server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  await registerAccount(server.origin, "adrian");
  await registerAccount(server.origin, "bob");
  await post(server.origin, "/api/guest", { name: "adam" }).then((response) => response.json());
  const lookup = (query: string, token?: string) =>
    answer(fetch(`${server.origin}/api/users?${query}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }));

  equal((await lookup("prefix=ad")).status, 401);
  const found = await lookup("prefix=AD", ada.token);
  equal(found.status, 200);
  deepEqual(
    found.body.users.map((user: { name: string; role: string }) => [user.name, user.role]),
    [
      ["adam", "guest"],
      ["adrian", "user"],
    ],
    "the caller is left out",
  );
  equal((await lookup("prefix=", ada.token)).status, 400);
  equal((await lookup(`prefix=${"a".repeat(33)}`, ada.token)).status, 400);

  let limited = 0;
  for (let index = 0; index < 25; index++) {
    if ((await lookup("prefix=b", ada.token)).status === 429) limited++;
  }
  ok(limited > 0, "a burst of lookups is held back");
});

/**
 * Accounts and rooms on PostgreSQL, through two real servers sharing one
 * database (as two processes would): a name is one person's on both (accounts
 * and guests' holds), a private room made on one is refused to strangers on
 * the other and entered there by the invited, membership is per account on
 * both, and a password changed on one ends the other sign-ins on both.
 */
import { deepEqual, equal } from "node:assert/strict";
import { ACCOUNT_PASSWORD, registerAccount, signInAccount } from "../_helpers/accounts.ts";
import { ask, connectAs } from "../_helpers/rooms.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { privatePostgres } from "../_helpers/postgres.ts";
import type { RoomListResponse } from "../../lib/protocol/http.ts";

const pg = privatePostgres();

const post = (server: TestServer, path: string, body: unknown, headers: HeadersInit = {}) =>
  fetch(`${server.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  }).then(async (response) => ({ status: response.status, body: await response.text() }));

/** Two servers on one fresh, migrated database. */
async function twoServers(cluster: NonNullable<typeof pg>) {
  const env = { DATABASE_URL: await cluster.database(), METRICS_TOKEN: "metrics-secret" };
  return [await startTestServer({ env }), await startTestServer({ env })];
}

if (pg) {
  Deno.test("on PostgreSQL, a name is one person's across servers: accounts and active guests", async () => {
    const [a, b] = await twoServers(pg);
    await using _a = a;
    await using _b = b;
    await registerAccount(a.origin, "ada");
    const again = await post(b, "/api/register", { name: "ADA", password: ACCOUNT_PASSWORD });
    equal(again.status, 409, again.body);
    equal((await post(b, "/api/guest", { name: "ada" })).status, 409, "an account's name");

    equal((await post(a, "/api/guest", { name: "zed" })).status, 200);
    const twin = await post(b, "/api/guest", { name: "Zed" });
    deepEqual([twin.status, JSON.parse(twin.body).error.code], [409, "name_taken"]);
    const account = await post(b, "/api/register", { name: "zed", password: ACCOUNT_PASSWORD });
    deepEqual([account.status, JSON.parse(account.body).error.code], [409, "name_taken"]);
  });

  Deno.test("on PostgreSQL, a private room made on one server: strangers refused on the other, the invited let in", async () => {
    const [a, b] = await twoServers(pg);
    await using _a = a;
    await using _b = b;
    const ada = await registerAccount(a.origin, "ada");
    const bob = await registerAccount(b.origin, "bob");
    const carol = await registerAccount(b.origin, "carol");
    await using adaSocket = await connectAs(a, ada);
    await using bobSocket = await connectAs(b, bob);
    await using carolSocket = await connectAs(b, carol);

    const made = await ask(adaSocket, { type: "create_room", room: "team", visibility: "private" });
    equal(made.type, "joined");
    const taken = await ask(bobSocket, { type: "create_room", room: "team", visibility: "public" });
    equal("code" in taken && taken.code, "conflict", "the name is taken on the other server too");
    const early = await ask(bobSocket, { type: "join", room: "team" });
    equal("code" in early && early.code, "forbidden");

    await ask(adaSocket, { type: "invite", room: "team", user: "bob" });
    const entered = await ask(bobSocket, { type: "join", room: "team" });
    deepEqual([entered.type, "room_role" in entered && entered.room_role], ["joined", "member"]);
    for (const frame of [{ type: "join" }, { type: "history", limit: 10 }]) {
      const refused = await ask(carolSocket, { ...frame, room: "team" });
      equal("code" in refused && refused.code, "forbidden", frame.type);
    }

    // Membership belongs to the account: a new sign-in on the first server lists the room.
    const bobElsewhere = await signInAccount(a.origin, "bob");
    const response = await fetch(`${a.origin}/api/rooms`, {
      headers: { authorization: `Bearer ${bobElsewhere.token}` },
    });
    const listed = (await response.json() as RoomListResponse).rooms.find((r) => r.room === "team");
    deepEqual([listed?.joined, listed?.visibility, listed?.members], [true, "private", 2]);
    const carolsList = await fetch(`${b.origin}/api/rooms`, {
      headers: { authorization: `Bearer ${carol.token}` },
    }).then((r) => r.json() as Promise<RoomListResponse>);
    equal(carolsList.rooms.some((r) => r.room === "team"), false, "not even listed to carol");
  });

  Deno.test("on PostgreSQL, a password changed on one server ends the other sign-ins' refresh on both", async () => {
    const [a, b] = await twoServers(pg);
    await using _a = a;
    await using _b = b;
    const phone = await registerAccount(a.origin, "ada");
    const laptop = await signInAccount(b.origin, "ada");
    const changed = await post(a, "/api/password", {
      old_password: ACCOUNT_PASSWORD,
      new_password: "a brand new password",
    }, { authorization: `Bearer ${phone.token}` });
    equal(changed.status, 204, changed.body);
    for (const server of [a, b]) {
      const stale = await fetch(`${server.origin}/api/token`, {
        method: "POST",
        headers: { cookie: laptop.cookie },
      });
      await stale.body?.cancel();
      equal(stale.status, 401, "the laptop's refresh token is dead everywhere");
    }
    const kept = await fetch(`${b.origin}/api/token`, {
      method: "POST",
      headers: { cookie: phone.cookie },
    });
    await kept.body?.cancel();
    equal(kept.status, 200, "the sign-in that changed it stays");
    await signInAccount(b.origin, "ada", "a brand new password");
  });
}

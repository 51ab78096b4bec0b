/**
 * Attack: look-alike names. Before the fix `RОOT` (Cyrillic О), fullwidth
 * `ＲＯＯＴ` and the like were separate accounts that showed as `ROOT` to
 * everyone. Now names are NFKC and case-folded for uniqueness, names mixing
 * scripts are refused, and a name whose skeleton matches an account's is
 * refused, for accounts and guests alike, and also against accounts made
 * before skeletons were kept.
 */
import { equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import type { Account } from "../../lib/server/accounts/mod.ts";
import { hashPassword } from "../../lib/server/accounts/passwords.ts";

const OWNER_PASSWORD = "the real owner's password";
const ATTACKER_PASSWORD = "mallory's own password";

function post(server: TestServer, path: string, body: unknown) {
  return fetch(`${server.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function countAccounts(server: TestServer): Promise<number> {
  let count = 0;
  for await (const _ of server.kv.list({ prefix: ["auth", "accounts"] })) count++;
  return count;
}

/** Each look-alike of `root` and the status an attempt to register it, or show as it, gets. */
const LOOK_ALIKES: [string, string, number][] = [
  ["RОOT", "Cyrillic О among Latin letters", 400],
  ["rооt", "Cyrillic о among Latin letters", 400],
  ["ＲＯＯＴ", "fullwidth: NFKC makes it root itself", 409],
  ["𝐫𝐨𝐨𝐭", "mathematical bold: NFKC makes it root itself", 409],
  ["ROOT", "upper case: folded, root itself", 409],
  ["R00T", "zeros for Os", 409],
  ["гоот", "all Cyrillic, looking like root", 409],
  ["ｒｏｏｔ", "fullwidth lower case: root itself", 409],
];

/** Limits out of the way: this test is about names, not about attempts. */
const MANY_ATTEMPTS = {
  LOGIN_ATTEMPTS_PER_NAME: "100",
  LOGIN_ATTEMPTS_PER_ADDRESS: "100",
  REGISTRATIONS_PER_ADDRESS: "100",
};

Deno.test("look-alike names: nobody can register or show as a look-alike of an account", async () => {
  await using server = await startTestServer({ env: MANY_ATTEMPTS });
  const owner = await post(server, "/api/register", { name: "root", password: OWNER_PASSWORD });
  equal(owner.status, 201);
  await owner.body?.cancel();
  const accounts = await countAccounts(server);

  for (const [name, how, status] of LOOK_ALIKES) {
    const register = await post(server, "/api/register", { name, password: ATTACKER_PASSWORD });
    equal(register.status, status, `register as ${name} (${how})`);
    await register.body?.cancel();
    const login = await post(server, "/api/login", { name, password: ATTACKER_PASSWORD });
    equal(login.status, 401, `login as ${name} (${how}): no such account`);
    await login.body?.cancel();
    const guest = await post(server, "/api/guest", { name });
    equal(guest.status, status, `guest as ${name} (${how})`);
    await guest.body?.cancel();
  }
  equal(await countAccounts(server), accounts, "no account was created");

  // Dotless i: rııt and riit are one name.
  const riit = await post(server, "/api/register", { name: "riit", password: OWNER_PASSWORD });
  equal(riit.status, 201);
  await riit.body?.cancel();
  const dotless = await post(server, "/api/login", { name: "rııt", password: ATTACKER_PASSWORD });
  equal(dotless.status, 401, "rııt is riit, whose password mallory does not have");
  await dotless.body?.cancel();
  const ones = await post(server, "/api/register", { name: "r11t", password: ATTACKER_PASSWORD });
  equal(ones.status, 409, "r11t looks like riit");
  await ones.body?.cancel();

  // The fullwidth form logs the owner in, shown under the account's own name.
  const fullwidth = await post(server, "/api/login", {
    name: "ＲＯＯＴ",
    password: OWNER_PASSWORD,
  });
  equal(fullwidth.status, 200);
  equal((await fullwidth.json()).user.name, "root");
});

Deno.test("look-alike names: accounts made before skeletons were kept are protected after an upgrade", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-lookalike-" });
  const kvPath = `${dir}/switchboard.kv`;
  try {
    // An account as the previous version stored it: no skeleton, no role.
    const kv = await Deno.openKv(kvPath);
    const legacy: Account = {
      id: "user:legacy-root",
      name: "root",
      password: await hashPassword(OWNER_PASSWORD),
      createdAt: 1,
    };
    await kv.set(["auth", "accounts", "root"], legacy);
    kv.close();

    await using server = await startTestServer({ kvPath });
    const squat = await post(server, "/api/register", {
      name: "R00T",
      password: ATTACKER_PASSWORD,
    });
    equal(squat.status, 409);
    await squat.body?.cancel();
    const owner = await post(server, "/api/login", { name: "Root", password: OWNER_PASSWORD });
    equal(owner.status, 200);
    ok((await owner.json()).user.id === "user:legacy-root");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

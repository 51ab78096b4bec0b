/**
 * Attack: locking the owner out. Before the fix, 5 wrong passwords a minute
 * for a name, from anywhere, made the name refuse every login for a minute,
 * its owner's included. Now attempts are limited per name and address, and
 * per account only for addresses that never signed in to it: an address
 * that did is never held back, whatever others do.
 */
import { equal, ok } from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";

const PASSWORD = "the owner's own password";
const OWNER_ADDRESS = "198.51.100.7";

Deno.test("login lockout: guesses from elsewhere never lock the owner out of their own address", async () => {
  await using server = await startServerProcess({ env: { TRUST_PROXY: "loopback" } });
  const attempt = async (password: string, address: string) => {
    const response = await fetch(`${server.origin}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      body: JSON.stringify({ name: "ada", password }),
    });
    await response.body?.cancel();
    return response;
  };
  const registered = await fetch(`${server.origin}/api/register`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": OWNER_ADDRESS },
    body: JSON.stringify({ name: "ada", password: PASSWORD }),
  });
  await registered.body?.cancel();
  equal(registered.status, 201, "ada registers");

  // One attacker: 5 guesses, then 429 for the rest of the window.
  const single: number[] = [];
  for (let i = 0; i < 30; i++) {
    single.push((await attempt(`wrong guess ${i}`, "203.0.113.66")).status);
  }
  equal(single.filter((status) => status === 401).length, 5);
  equal(single.filter((status) => status === 429).length, 25);

  // Many attackers, two guesses each: past 50 a minute, the account refuses unknown addresses.
  const spread: number[] = [];
  for (let i = 1; i <= 40; i++) {
    for (const guess of ["a", "b"]) {
      spread.push((await attempt(`wrong guess ${guess}${i}`, `192.0.2.${i}`)).status);
    }
  }
  ok(spread.every((status) => status === 401 || status === 429), "no guess got in");
  ok(spread.filter((status) => status === 429).length >= 30, "the account limit held");
  const newcomer = await attempt(PASSWORD, "192.0.2.200");
  equal(newcomer.status, 429, "an address never seen waits, even with the right password");
  ok(Number(newcomer.headers.get("retry-after")) > 0);

  // The owner, from where she signed in before, gets in at once, every time.
  for (let i = 0; i < 3; i++) equal((await attempt(PASSWORD, OWNER_ADDRESS)).status, 200);
});

/**
 * Unthrottled identities, the second half: guest records used to live 30
 * days whether or not anyone used them. A guest's refresh token now dies
 * `GUEST_IDLE_TTL_S` after its last use, and never outlives
 * `REFRESH_TOKEN_TTL_S`; an account's keeps its full life. In virtual time.
 */
import { equal } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

const IDLE_S = 3_600;
const START = Date.UTC(2026, 10, 22);

function signIn(server: TestServer, path: string, body: unknown): Promise<string> {
  return fetch(`${server.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (response) => {
    equal(response.ok, true);
    await response.body?.cancel();
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith("sb_refresh="));
    return cookie!.split(";")[0];
  });
}

async function refresh(server: TestServer, cookie: string): Promise<number> {
  const response = await fetch(`${server.origin}/api/token`, {
    method: "POST",
    headers: { cookie },
  });
  await response.body?.cancel();
  return response.status;
}

Deno.test("guest expiry: a guest's refresh token dies an idle period after its last use", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({
    clock,
    env: { GUEST_IDLE_TTL_S: String(IDLE_S), REFRESH_TOKEN_TTL_S: String(4 * IDLE_S) },
  });
  const guest = await signIn(server, "/api/guest", { name: "visitor" });
  const account = await signIn(server, "/api/register", { name: "ada", password: "correct horse" });

  // Used within every idle period, the guest lives on...
  for (let i = 0; i < 4; i++) {
    clock.advance(IDLE_S * 1000 - 1_000);
    equal(await refresh(server, guest), 200, `use ${i + 1}`);
  }
  // ...but never past the refresh token's own life (4 idle periods here).
  clock.advance(5_000);
  equal(await refresh(server, guest), 401, "past REFRESH_TOKEN_TTL_S");

  const idle = await signIn(server, "/api/guest", { name: "idler" });
  clock.advance(IDLE_S * 1000 + 1_000);
  equal(await refresh(server, idle), 401, "an idle guest is gone");
  equal(await refresh(server, account), 401, "the account's token ran its full life too");
});

Deno.test("guest expiry: an account's refresh token is not cut short by the guests' idle period", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock, env: { GUEST_IDLE_TTL_S: String(IDLE_S) } });
  const account = await signIn(server, "/api/register", { name: "ada", password: "correct horse" });
  clock.advance(10 * IDLE_S * 1000);
  equal(await refresh(server, account), 200);
});

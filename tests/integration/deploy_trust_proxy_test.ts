/**
 * Behind a reverse proxy every peer is the proxy, so the per-address limits
 * must count the address in `X-Forwarded-For`, but only when the proxy is
 * trusted (`TRUST_PROXY`): anyone else could write any address there.
 */
import { equal } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";

/** A login attempt (for a name nobody holds: 401 unless a limit answers first). */
function logInFrom(origin: string, forwardedFor: string, name: string): Promise<number> {
  return fetch(`${origin}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ name, password: "long enough password" }),
  }).then(async (response) => {
    await response.body?.cancel();
    return response.status;
  });
}

const LIMITS = { LOGIN_ATTEMPTS_PER_ADDRESS: "2", LOGIN_ATTEMPTS_PER_NAME: "100" };

Deno.test("login limits count the forwarded address when the proxy is trusted", async () => {
  await using server = await startTestServer({ env: { ...LIMITS, TRUST_PROXY: "loopback" } });
  equal(await logInFrom(server.origin, "198.51.100.1", "ada"), 401);
  equal(await logInFrom(server.origin, "198.51.100.1", "bob"), 401);
  equal(await logInFrom(server.origin, "198.51.100.1", "cy"), 429);
  equal(await logInFrom(server.origin, "198.51.100.2", "cy"), 401);
});

Deno.test("without TRUST_PROXY a forged X-Forwarded-For changes nothing", async () => {
  await using server = await startTestServer({ env: LIMITS });
  equal(await logInFrom(server.origin, "198.51.100.1", "ada"), 401);
  equal(await logInFrom(server.origin, "198.51.100.2", "bob"), 401);
  equal(await logInFrom(server.origin, "198.51.100.3", "cy"), 429);
});

Deno.test("connections per address count the forwarded address from a trusted proxy", async () => {
  await using server = await startTestServer({
    env: { TRUST_PROXY: "127.0.0.1", MAX_CONNECTIONS_PER_ADDRESS: "1" },
  });
  const sign = (id: string) => server.services.tokens.sign({ id, name: id, role: "user" });
  const open = async (id: string, forwardedFor: string) =>
    openSocket(server.wsUrl, {
      token: (await sign(id)).token,
      headers: { "x-forwarded-for": forwardedFor },
    });
  await using first = await open("u1", "198.51.100.1");
  await first.nextOf("hello");
  await using sameAddress = await open("u2", "198.51.100.1");
  equal((await sameAddress.closed).code, 4429);
  await using otherAddress = await open("u3", "198.51.100.2");
  equal((await otherAddress.nextOf("hello")).user.id, "u3");
});

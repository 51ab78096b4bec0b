/**
 * Attack: unthrottled guest identities. Before the fix `/api/guest` answered
 * 2 000 requests a second from one address, each keeping a refresh record in
 * KV for 30 days. Now guest creation is limited per address (429 with
 * Retry-After), so the attacker's records stay at the limit.
 */
import { equal, ok } from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";

const ATTEMPTS = 2_000;
const GUESTS_PER_ADDRESS = 10;

Deno.test("guest flood: 2 000 guests from one address, all but the limit refused, KV not filled", async () => {
  await using server = await startServerProcess({ env: { TRUST_PROXY: "loopback" } });
  const guest = async (name: string, address: string) => {
    const response = await fetch(`${server.origin}/api/guest`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      body: JSON.stringify({ name }),
    });
    await response.body?.cancel();
    return response;
  };

  const statuses = new Map<number, number>();
  let retryAfter = 0;
  for (let start = 0; start < ATTEMPTS; start += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, (_, i) => guest(`visitor${start + i}`, "203.0.113.66")),
    );
    for (const response of batch) {
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 429) retryAfter = Number(response.headers.get("retry-after"));
    }
  }
  equal(statuses.get(200), GUESTS_PER_ADDRESS);
  equal(statuses.get(429), ATTEMPTS - GUESTS_PER_ADDRESS);
  ok(retryAfter > 0, "429 says when to come back");

  // Another address is not held back by the attacker's.
  equal((await guest("neighbour", "198.51.100.7")).status, 200);

  const kv = await Deno.openKv(server.kvPath);
  try {
    let records = 0;
    for await (const _ of kv.list({ prefix: ["auth", "refresh"] })) records++;
    equal(records, GUESTS_PER_ADDRESS + 1, "one refresh record per guest let in, no more");
  } finally {
    kv.close();
  }
  equal(await fetch(`${server.origin}/healthz`).then((r) => r.text()), "ok");
});

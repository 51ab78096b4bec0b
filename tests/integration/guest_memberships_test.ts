/**
 * Guests' memberships end with the guest: once a guest's identity expired
 * (no refresh for `GUEST_IDLE_TTL_S`), the sweep ends its memberships, so
 * member counts do not grow with every guest who passed by; a guest who keeps
 * refreshing stays a member, and so does an account.
 */
import { deepEqual, equal } from "node:assert/strict";
import { registerAccount, type SignedIn } from "../_helpers/accounts.ts";
import { signInAsGuest } from "../_helpers/guest.ts";
import { ask, connectAs } from "../_helpers/rooms.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import type { RoomListResponse } from "../../lib/protocol/http.ts";

async function membersOf(server: TestServer, who: SignedIn, room: string) {
  const response = await fetch(`${server.origin}/api/rooms`, {
    headers: { authorization: `Bearer ${who.token}` },
  });
  const list = await response.json() as RoomListResponse;
  return list.rooms.find((entry) => entry.room === room)?.members;
}

Deno.test("a guest whose identity expired is no longer a member; one who refreshes stays", async () => {
  const clock = createVirtualClock(Date.now());
  await using server = await startTestServer({
    clock,
    env: { GUEST_IDLE_TTL_S: "60", HEARTBEAT_MS: "3600000" },
  });
  const ada = await registerAccount(server.origin, "ada");
  const zed = await signInAsGuest(server.origin, "zed");
  const amy = await signInAsGuest(server.origin, "amy");
  await using zedSocket = await connectAs(server, zed);
  equal((await ask(zedSocket, { type: "join", room: "lobby" })).type, "joined");
  for (const who of [ada, amy]) {
    await using socket = await connectAs(server, who);
    equal((await ask(socket, { type: "join", room: "lobby" })).type, "joined");
  }
  equal(await membersOf(server, ada, "lobby"), 3);

  clock.advance(30_000);
  const refreshed = await fetch(`${server.origin}/api/token`, {
    method: "POST",
    headers: { cookie: amy.cookie },
  });
  await refreshed.body?.cancel();
  equal(refreshed.status, 200, "amy is active");
  clock.advance(30_001);
  await server.services.guestMemberships.sweep();

  equal(await membersOf(server, ada, "lobby"), 2, "zed's membership ended; amy's and ada's stay");
  deepEqual(await zedSocket.take((frame) => frame.type === "left"), {
    type: "left",
    room: "lobby",
  });
  deepEqual(await zedSocket.take((frame) => frame.type === "membership" && !frame.joined), {
    type: "membership",
    room: "lobby",
    joined: false,
  });
  equal(await server.services.guestMemberships.sweep(), 0, "nothing more to end");
});

/** The login form's calls and the room directory, against a real server. */
import assert from "node:assert/strict";
import { continueAsGuest, register, signIn, signOut } from "../../lib/client/session.ts";
import { createRoomDirectory } from "../../lib/client/room_directory.ts";
import { startTestServer } from "../_helpers/server.ts";

Deno.test("register creates, signIn only signs in, and both report the server's own words", async () => {
  await using server = await startTestServer();
  const options = { origin: server.origin };
  const unknown = await signIn({ name: "ada", password: "correct horse" }, options);
  assert.deepEqual(unknown, { ok: false, status: 401, message: "wrong name or password" });
  const created = await register({ name: "ada", password: "correct horse" }, options);
  assert.ok(created.ok);
  assert.deepEqual([created.user.name, created.user.role], ["ada", "user"]);
  const again = await register({ name: "ADA", password: "correct horse" }, options);
  assert.equal(again.ok ? 0 : again.status, 409);
  const signedIn = await signIn({ name: "ada", password: "correct horse" }, options);
  assert.equal(signedIn.ok, true);
  assert.deepEqual(await signIn({ name: "ada", password: "wrong password" }, options), unknown);
  const short = await register({ name: "bob", password: "short" }, options);
  assert.equal(short.ok, false);
  assert.match(!short.ok ? short.message : "", /at least 8 characters/);
});

Deno.test("continueAsGuest: a guest identity; a registered name is refused in words", async () => {
  await using server = await startTestServer();
  const options = { origin: server.origin };
  const guest = await continueAsGuest({ name: "visitor" }, options);
  assert.ok(guest.ok && guest.user.id.startsWith("guest:"));
  await register({ name: "ada", password: "correct horse" }, options);
  const taken = await continueAsGuest({ name: "ada" }, options);
  assert.equal(taken.ok, false);
  assert.match(!taken.ok ? taken.message : "", /registered/);
  await signOut(options);
});

Deno.test("an unreachable server is an error result, not an exception", async () => {
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const origin = `http://127.0.0.1:${listener.addr.port}`;
  listener.close();
  const result = await signIn({ name: "ada", password: "correct horse" }, { origin });
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.message : "", /Can't reach the server/);
});

Deno.test("room directory: the rooms the user may see, initial until refreshed", async () => {
  await using server = await startTestServer();
  const guest = await fetch(`${server.origin}/api/guest`, {
    method: "POST",
    body: JSON.stringify({ name: "visitor" }),
  }).then((response) => response.json());
  const before = {
    room: "before",
    name: "before",
    visibility: "public" as const,
    members: 9,
    online: 1,
    joined: false,
    unread: 0,
    mentions: 0,
  };
  const directory = createRoomDirectory({
    origin: server.origin,
    initial: [before],
    token: () => Promise.resolve(guest.token),
  });
  assert.deepEqual(directory.rooms.value, [before]);
  assert.equal(directory.loaded.value, false);
  await directory.refresh();
  assert.deepEqual(directory.rooms.value, [
    { ...before, room: "general", name: "general", members: 0, online: 0 },
  ]);
  assert.equal(directory.loaded.value, true);
  assert.equal(directory.error.value, null);
});

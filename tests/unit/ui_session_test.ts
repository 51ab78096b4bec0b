/** The login form's calls and the room directory, against a real server. */
import assert from "node:assert/strict";
import { continueAsGuest, signIn, signOut } from "../../lib/client/session.ts";
import { createRoomDirectory } from "../../lib/client/room_directory.ts";
import { startTestServer } from "../_helpers/server.ts";

Deno.test("signIn registers, logs in, and reports the server's own error words", async () => {
  await using server = await startTestServer();
  const options = { origin: server.origin };
  const first = await signIn({ name: "ada", password: "correct horse" }, options);
  assert.deepEqual(first.ok && first.user.name, "ada");
  const again = await signIn({ name: "ada", password: "correct horse" }, options);
  assert.equal(again.ok, true);
  assert.deepEqual(await signIn({ name: "ada", password: "wrong password" }, options), {
    ok: false,
    status: 401,
    message: "wrong name or password",
  });
  const short = await signIn({ name: "bob", password: "short" }, options);
  assert.equal(short.ok, false);
  assert.match(!short.ok ? short.message : "", /at least 8 characters/);
});

Deno.test("continueAsGuest: a guest identity; a registered name is refused in words", async () => {
  await using server = await startTestServer();
  const options = { origin: server.origin };
  const guest = await continueAsGuest({ name: "visitor" }, options);
  assert.ok(guest.ok && guest.user.id.startsWith("guest:"));
  await signIn({ name: "ada", password: "correct horse" }, options);
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

Deno.test("room directory: the server's rooms with member counts, initial until refreshed", async () => {
  await using server = await startTestServer();
  const directory = createRoomDirectory({
    origin: server.origin,
    initial: [{ name: "before", members: 9 }],
  });
  assert.deepEqual(directory.rooms.value, [{ name: "before", members: 9 }]);
  await directory.refresh();
  assert.deepEqual(directory.rooms.value, [{ name: "general", members: 0 }]);
  assert.equal(directory.error.value, null);
});

/** The client signals the chat UI relies on: `signedOut` and each room's `synced`. */
import assert from "node:assert/strict";
import { effect } from "@preact/signals";
import { createClientHarness } from "../../lib/client/testing.ts";
import { AuthError } from "../../lib/client/token.ts";

/** Resolves when `condition` turns true, re-checked on every signal change it reads. */
function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stop = effect(() => {
      if (!condition()) return;
      queueMicrotask(() => stop());
      resolve();
    });
  });
}

Deno.test("signedOut: set when no token can be had, cleared by the next connect()", async () => {
  let signedIn = false;
  const h = createClientHarness({
    getToken: () =>
      signedIn ? Promise.resolve("token-0") : Promise.reject(new AuthError("signed out")),
  });
  h.client.connect();
  await until(() => h.client.state.value === "failed");
  assert.equal(h.client.signedOut.value, true);
  signedIn = true;
  h.client.connect();
  assert.equal(h.client.signedOut.value, false);
  await h.openSocket();
  assert.equal(h.client.state.value, "open");
  assert.equal(h.client.signedOut.value, false);
  h.client.dispose();
});

Deno.test("signedOut: set when the refresh after close 4401 is refused", async () => {
  const h = createClientHarness({
    refreshToken: () => Promise.reject(new AuthError("signed out: log in again")),
  });
  h.client.connect();
  (await h.sockets.next()).serverClose(4401, "expired");
  await until(() => h.client.state.value === "failed");
  assert.equal(h.client.signedOut.value, true);
  h.client.dispose();
});

Deno.test("signedOut stays false for other failures (4403)", async () => {
  const h = createClientHarness();
  h.client.connect();
  (await h.sockets.next()).serverClose(4403, "forbidden");
  assert.equal(h.client.state.value, "failed");
  assert.equal(h.client.signedOut.value, false);
  h.client.dispose();
});

Deno.test("synced: false until the room's first joined, then stays true across reconnects", async () => {
  const h = createClientHarness();
  h.client.join("general");
  const room = h.client.room("general")!;
  assert.equal(room.synced.value, false);
  h.client.connect();
  const socket = await h.openSocket();
  assert.equal(room.synced.value, false, "hello alone does not sync a room");
  socket.receive({
    type: "joined",
    room: "general",
    head: 0,
    recovered: false,
    messages: [],
    presence: [],
  });
  assert.equal(room.synced.value, true, "an empty room is synced too");
  socket.serverClose(1011, "boom");
  assert.equal(room.synced.value, true, "what is held stays shown while reconnecting");
  h.client.leave("general");
  h.client.join("general");
  assert.equal(h.client.room("general")!.synced.value, false, "a new join starts unsynced");
  h.client.dispose();
});

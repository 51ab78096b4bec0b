/**
 * Search through the real server (second edition): `search` finds text
 * entries holding every word of `q`, newest first, as they read now (an edit
 * is found by its new words, a delete is never found), only in rooms the
 * asker may read; bad queries get clear errors. The index is written a
 * moment after each commit (off the ack path), so a test awaits the
 * indexer's `idle()` before it asks.
 */
import { deepEqual, equal } from "node:assert/strict";
import { registerAccount } from "../_helpers/accounts.ts";
import { ask, connectAs, type Reply } from "../_helpers/rooms.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import type { TestSocket } from "../_helpers/socket.ts";
import type { ServerFrameOf } from "../../lib/protocol/frames.ts";

/**
 * Waits until the server's index holds every commit so far (its batch written
 * at its own time: `idle()` hastens nothing), then searches once.
 */
async function searchIndexed(
  server: TestServer,
  socket: TestSocket,
  frame: Record<string, unknown>,
): Promise<string[]> {
  await server.services.searchIndexer!.idle();
  const reply = await ask(socket, { type: "search", ...frame });
  equal(reply.type, "search_results", JSON.stringify(reply));
  return (reply as ServerFrameOf<"search_results">).messages.map((m) => m.text ?? "");
}

function codeOf(reply: Reply): string | undefined {
  return reply.type === "error" ? reply.code : undefined;
}

Deno.test("search: every word, newest first, as messages read now, only in rooms one may read", async () => {
  await using server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  const bob = await registerAccount(server.origin, "bob");
  await using adaSocket = await connectAs(server, ada);
  await using bobSocket = await connectAs(server, bob);
  equal(
    (await ask(adaSocket, { type: "create_room", room: "team", visibility: "private" })).type,
    "joined",
  );
  equal((await ask(adaSocket, { type: "join", room: "lobby" })).type, "joined");
  equal((await ask(bobSocket, { type: "join", room: "lobby" })).type, "joined");
  const send = async (socket: TestSocket, room: string, text: string) => {
    const ack = await ask(socket, { type: "send", room, text, cid: crypto.randomUUID() });
    equal(ack.type, "ack", JSON.stringify(ack));
    return (ack as ServerFrameOf<"ack">).seq;
  };
  await send(adaSocket, "team", "Deploy on Friday, secretly");
  const plan = await send(adaSocket, "lobby", "the deploy plan for friday");
  await send(bobSocket, "lobby", "friday lunch?");
  await send(bobSocket, "lobby", "DEPLOY friday: done");

  deepEqual(
    await searchIndexed(server, bobSocket, { q: "friday deploy" }),
    ["DEPLOY friday: done", "the deploy plan for friday"],
    "bob never sees the private room",
  );
  deepEqual(
    await searchIndexed(server, adaSocket, { q: "friday deploy" }),
    ["DEPLOY friday: done", "the deploy plan for friday", "Deploy on Friday, secretly"],
  );
  equal(codeOf(await ask(bobSocket, { type: "search", q: "friday", room: "team" })), "forbidden");
  equal(codeOf(await ask(bobSocket, { type: "search", q: "?!" })), "bad_request");
  equal(codeOf(await ask(bobSocket, { type: "search", q: "a b c d e f g h i" })), "bad_request");
  equal(codeOf(await ask(bobSocket, { type: "search", q: "x", limit: 51 })), "bad_frame");

  // An edit is found by its new words only; a delete is not found at all.
  const edited = await ask(adaSocket, {
    type: "edit",
    room: "lobby",
    target: plan,
    text: "the deploy plan for monday",
    cid: crypto.randomUUID(),
  });
  equal(edited.type, "ack");
  deepEqual(
    await searchIndexed(server, bobSocket, { q: "monday", room: "lobby" }),
    ["the deploy plan for monday"],
  );
  const deleted = await ask(adaSocket, {
    type: "delete",
    room: "lobby",
    target: plan,
    cid: crypto.randomUUID(),
  });
  equal(deleted.type, "ack");
  deepEqual(
    await searchIndexed(server, bobSocket, { q: "deploy" }),
    ["DEPLOY friday: done"],
  );
  deepEqual(
    await searchIndexed(server, bobSocket, { q: "deploy", limit: 1 }),
    ["DEPLOY friday: done"],
  );
});

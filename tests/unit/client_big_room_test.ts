/**
 * A big room through the real client: the count it shows, the member list it
 * pages and searches from the server, the list read again when the room
 * shrinks back, and summarized typing.
 */
import assert from "node:assert/strict";
import { createClientHarness, type FakeSocket } from "../../lib/client/testing.ts";
import type { PublicUser } from "../../lib/protocol/mod.ts";

const me = { id: "u-me", name: "me", role: "user" } as const;
const user = (index: number): PublicUser => ({
  id: `u${index}`,
  name: `user-${index}`,
  role: "user",
});
const firstPage = Array.from({ length: 3 }, (_, index) => user(index));

async function inBigRoom() {
  const h = createClientHarness();
  h.client.join("general");
  h.client.connect();
  const socket = await h.openSocket({ user: me });
  socket.receive({
    type: "joined",
    room: "general",
    head: 0,
    recovered: false,
    messages: [],
    presence: firstPage,
    presence_count: 1_284,
  });
  return { h, socket, view: h.client.room("general")! };
}

const lastMembers = (socket: FakeSocket) => socket.sentOfType("members").at(-1)!;

Deno.test("a big room shows the server's count, and counts frames move it", async () => {
  const { socket, view } = await inBigRoom();
  assert.equal(view.online.value, 1_284);
  assert.deepEqual(view.presence.value, firstPage);
  socket.receive({ type: "presence", room: "general", count: 1_290 });
  assert.equal(view.online.value, 1_290);
});

Deno.test("the member list starts as joined's first page, then pages from the server", async () => {
  const { socket, view } = await inBigRoom();
  assert.deepEqual(view.members.users.value, firstPage);
  assert.equal(view.members.hasMore.value, true);
  view.members.more();
  assert.equal(lastMembers(socket).after, "user-2");

  view.members.refresh();
  assert.equal(view.members.loading.value, true);
  const asked = lastMembers(socket);
  assert.deepEqual({ ...asked, ref: undefined }, {
    type: "members",
    room: "general",
    limit: 100,
    ref: undefined,
  });
  socket.receive({
    type: "members",
    room: "general",
    users: firstPage,
    next: "user-2",
    count: 1_284,
    ref: asked.ref,
  });
  assert.deepEqual(view.members.users.value, firstPage);
  assert.equal(view.members.hasMore.value, true);

  view.members.more();
  const more = lastMembers(socket);
  assert.equal(more.after, "user-2");
  socket.receive({
    type: "members",
    room: "general",
    users: [user(3)],
    next: null,
    count: 1_284,
    ref: more.ref,
  });
  assert.deepEqual(view.members.users.value, [...firstPage, user(3)]);
  assert.equal(view.members.hasMore.value, false);

  // A search asks with the prefix; an answer to an earlier reading is dropped.
  view.members.refresh();
  const stale = lastMembers(socket);
  view.members.search(" Ada ");
  const search = lastMembers(socket);
  assert.equal(search.prefix, "Ada");
  assert.deepEqual(view.members.users.value, []);
  const ada = { id: "u-ada", name: "ada", role: "user" };
  socket.receive({
    type: "members",
    room: "general",
    users: firstPage,
    next: null,
    count: 9,
    ref: stale.ref,
  });
  assert.deepEqual(view.members.users.value, []);
  socket.receive({
    type: "members",
    room: "general",
    users: [ada],
    next: null,
    count: 9,
    ref: search.ref,
  });
  assert.deepEqual(view.members.users.value, [ada]);
  assert.equal(view.members.loading.value, false);
});

Deno.test("a room that shrinks back is read again whole, and lists move it from then on", async () => {
  const { socket, view } = await inBigRoom();
  socket.receive({ type: "presence", room: "general", count: 2 });
  socket.receive({ type: "presence", room: "general", joins: [user(7)], leaves: [] });
  const refill = lastMembers(socket);
  assert.equal(refill.limit, 200);
  assert.equal(view.online.value, 2, "a partial list does not count the room");
  socket.receive({
    type: "members",
    room: "general",
    users: [user(0), user(7)],
    next: null,
    count: 2,
    ref: refill.ref,
  });
  assert.deepEqual(view.presence.value, [user(0), user(7)]);
  socket.receive({ type: "presence", room: "general", joins: [], leaves: [user(0)] });
  assert.equal(view.online.value, 1);
  // Whole again: the member list is the presence list, searched here.
  view.members.search("USER-7");
  assert.deepEqual(view.members.users.value, [user(7)]);
  assert.equal(socket.sentOfType("members").length, 1, "a small room is searched here");
});

Deno.test("summarized typing names up to three others and counts the rest, for a while", async () => {
  const { h, socket, view } = await inBigRoom();
  const typists = [me, user(1), user(2)];
  socket.receive({ type: "typing", room: "general", user: me, users: typists, count: 7 });
  assert.deepEqual(view.typing.value, [user(1), user(2)]);
  assert.equal(view.typingMore.value, 4);
  h.clock.advance(6_000);
  assert.deepEqual(view.typing.value, []);
  assert.equal(view.typingMore.value, 0);
});

/**
 * The chat page's rooms through the real client: joined rooms remembered
 * across reloads, the open room, unread counts (history is never unread, the
 * open room is read as it arrives, your own messages never count) and live
 * member counts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { createChatRooms, JOINED_ROOMS_KEY, SEEN_SEQS_KEY } from "../../lib/client/chat_rooms.ts";
import {
  createClientHarness,
  createMemoryStorage,
  type FakeSocket,
} from "../../lib/client/testing.ts";
import type { Message, PublicUser } from "../../lib/protocol/mod.ts";

const ada = { id: "u-ada", name: "ada" };
const bob = { id: "u-bob", name: "bob" };

function message(room: string, seq: number, user: PublicUser = bob): Message {
  return {
    room,
    seq,
    id: `${room}-${seq}`,
    cid: `${room}-c${seq}`,
    user,
    text: `#${seq}`,
    ts: seq,
  };
}

/** The server's `joined` for `room` at `head`, holding every message so far. */
function joined(socket: FakeSocket, room: string, head: number, presence = [ada]) {
  const messages = Array.from({ length: head }, (_, index) => message(room, index + 1));
  socket.receive({ type: "joined", room, head, recovered: false, messages, presence });
}

async function setup(storage = createMemoryStorage(), initial = "general") {
  const h = createClientHarness();
  const rooms = createChatRooms({ client: h.client, initial, storage });
  h.client.connect();
  const socket = await h.openSocket();
  return { h, rooms, socket, storage };
}

Deno.test("chat rooms: general, the remembered rooms and the asked one are joined; changes are kept", async () => {
  const storage = createMemoryStorage();
  storage.setItem(JOINED_ROOMS_KEY, JSON.stringify(["random", "Not A Room", "general"]));
  const { h, rooms, socket } = await setup(storage, "design");
  deepEqual(h.client.rooms.value, ["general", "random", "design"], "the bad name is skipped");
  deepEqual(socket.sentOfType("join").map((frame) => frame.room), ["general", "random", "design"]);
  equal(rooms.active.value, "design");

  equal(rooms.open("ops"), true);
  equal(rooms.active.value, "ops");
  equal(rooms.leave(), true);
  equal(rooms.active.value, "general");
  equal(rooms.leave(), false, "general is never left");
  equal(rooms.open("Bad Name"), false);
  equal(rooms.active.value, "general");
  deepEqual(JSON.parse(storage.getItem(JOINED_ROOMS_KEY)!), ["general", "random", "design"]);
  rooms.dispose();
  h.client.dispose();
});

Deno.test("chat rooms: stored garbage is ignored", async () => {
  const storage = createMemoryStorage();
  storage.setItem(JOINED_ROOMS_KEY, "{not json");
  storage.setItem(SEEN_SEQS_KEY, JSON.stringify(["a", "list"]));
  const { h, rooms, socket } = await setup(storage);
  deepEqual(h.client.rooms.value, ["general"]);
  joined(socket, "general", 2);
  deepEqual(rooms.unread.value, { general: 0 });
  rooms.dispose();
  h.client.dispose();
});

Deno.test("chat rooms: history is not unread; what arrives elsewhere is, until opened", async () => {
  const { h, rooms, socket, storage } = await setup();
  rooms.open("random");
  rooms.open("general");
  deepEqual(rooms.unread.value, {}, "nothing counts before a room syncs");
  joined(socket, "general", 5);
  joined(socket, "random", 3);
  deepEqual(rooms.unread.value, { general: 0, random: 0 });

  socket.receive({ type: "message", ...message("random", 4) });
  socket.receive({ type: "message", ...message("random", 5) });
  socket.receive({ type: "message", ...message("random", 6, ada) });
  socket.receive({ type: "message", ...message("general", 6) });
  deepEqual(rooms.unread.value, { general: 0, random: 2 }, "the open room and your own are read");
  equal(rooms.totalUnread.value, 2);
  deepEqual(JSON.parse(storage.getItem(SEEN_SEQS_KEY)!), { general: 6, random: 3 });

  rooms.open("random");
  deepEqual(rooms.unread.value, { general: 0, random: 0 });
  equal(rooms.totalUnread.value, 0);
  deepEqual(JSON.parse(storage.getItem(SEEN_SEQS_KEY)!), { general: 6, random: 6 });
  rooms.dispose();
  h.client.dispose();
});

Deno.test("chat rooms: after a reload, what arrived while away is unread", async () => {
  const storage = createMemoryStorage();
  const before = await setup(storage);
  before.rooms.open("random");
  before.rooms.open("general");
  joined(before.socket, "general", 1);
  joined(before.socket, "random", 3);
  before.rooms.dispose();
  before.h.client.dispose();

  const after = await setup(storage);
  deepEqual(after.h.client.rooms.value, ["general", "random"]);
  joined(after.socket, "random", 7);
  joined(after.socket, "general", 1);
  deepEqual(after.rooms.unread.value, { general: 0, random: 4 });
  after.rooms.dispose();
  after.h.client.dispose();
});

Deno.test("chat rooms: member counts follow each synced room's presence", async () => {
  const { h, rooms, socket } = await setup();
  rooms.open("random");
  deepEqual(rooms.members.value, {});
  joined(socket, "general", 0, [ada, bob]);
  joined(socket, "random", 0);
  deepEqual(rooms.members.value, { general: 2, random: 1 });
  socket.receive({ type: "presence", room: "random", joins: [bob], leaves: [] });
  deepEqual(rooms.members.value, { general: 2, random: 2 });
  rooms.dispose();
  h.client.dispose();
});

Deno.test("chat rooms: once disposed, nothing more is kept", async () => {
  const { h, rooms, storage } = await setup();
  rooms.dispose();
  h.client.join("later");
  deepEqual(JSON.parse(storage.getItem(JOINED_ROOMS_KEY)!), ["general"]);
  h.client.dispose();
});

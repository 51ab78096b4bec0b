/**
 * The chat page's rooms through the real client: the rooms you belong to come
 * from the server (the directory, and `membership` frames from your other
 * devices), a browser's old local list is joined once and dropped, leaving
 * forgets the membership, the open room, unread counts (history is never
 * unread, the open room is read as it arrives, your own messages never count)
 * and live member counts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { signal } from "@preact/signals";
import { createChatRooms, JOINED_ROOMS_KEY, SEEN_SEQS_KEY } from "../../lib/client/chat_rooms.ts";
import type { RoomSummary } from "../../lib/client/room_directory.ts";
import {
  createClientHarness,
  createMemoryStorage,
  type FakeSocket,
} from "../../lib/client/testing.ts";
import type { Message, PublicUser } from "../../lib/protocol/mod.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };
const bob = { id: "u-bob", name: "bob", role: "user" as const };

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

/** A directory entry as `GET /api/rooms` lists it. */
function listed(room: string, joined: boolean): RoomSummary {
  const visibility = room.startsWith("dm-") ? "dm" : "public";
  return { room, name: room, visibility, members: 1, online: 0, joined, unread: 0, mentions: 0 };
}

/** A directory the test plays the server of: it counts its refreshes. */
function fakeDirectory(rooms: RoomSummary[] = []) {
  const directory = { rooms: signal<readonly RoomSummary[]>(rooms), refreshes: 0 };
  return {
    ...directory,
    refresh() {
      directory.refreshes++;
      return Promise.resolve();
    },
    get refreshed() {
      return directory.refreshes;
    },
  };
}

async function setup(
  storage = createMemoryStorage(),
  initial = "general",
  directory = fakeDirectory(),
) {
  const h = createClientHarness();
  const rooms = createChatRooms({ client: h.client, directory, initial, storage });
  h.client.connect();
  const socket = await h.openSocket();
  return { h, rooms, socket, storage, directory };
}

Deno.test("chat rooms: general, the old local list (once) and the asked room are joined", async () => {
  const storage = createMemoryStorage();
  storage.setItem(JOINED_ROOMS_KEY, JSON.stringify(["random", "Not A Room", "general"]));
  const { h, rooms, socket } = await setup(storage, "design");
  deepEqual(h.client.rooms.value, ["general", "random", "design"], "the bad name is skipped");
  deepEqual(socket.sentOfType("join").map((frame) => frame.room), ["general", "random", "design"]);
  equal(storage.getItem(JOINED_ROOMS_KEY), null, "the server keeps memberships from now on");
  equal(rooms.active.value, "design");

  equal(rooms.open("ops"), true);
  equal(rooms.active.value, "ops");
  equal(rooms.leave(), true);
  deepEqual(socket.sentOfType("leave").at(-1), { type: "leave", room: "ops", forget: true });
  equal(rooms.active.value, "general");
  equal(rooms.leave(), false, "general is never left");
  equal(rooms.open("Bad Name"), false);
  equal(rooms.active.value, "general");
  rooms.dispose();
  h.client.dispose();
});

Deno.test("chat rooms: the rooms you belong to on the server are joined here, split from DMs", async () => {
  const dm = "dm-0123456789abcdef0123456789abcdef01234567";
  const directory = fakeDirectory([
    listed("general", true),
    listed("random", true),
    listed("lobby", false),
    listed(dm, true),
  ]);
  const { h, rooms, socket } = await setup(createMemoryStorage(), "general", directory);
  deepEqual(socket.sentOfType("join").map((frame) => frame.room), ["general", "random", dm]);
  deepEqual(rooms.mine.value, ["general", "random"]);
  deepEqual(rooms.dms.value, [dm]);

  // Joined on another device: this one joins too, and reads the directory again.
  socket.receive({ type: "membership", room: "design", joined: true });
  deepEqual(h.client.rooms.value, ["general", "random", dm, "design"]);
  equal(directory.refreshed, 1);
  // Left on another device (or removed) while open here: the room goes, general opens.
  rooms.open("random");
  socket.receive({ type: "membership", room: "random", joined: false });
  deepEqual(h.client.rooms.value, ["general", dm, "design"]);
  equal(rooms.active.value, "general");
  equal(directory.refreshed, 2);
  // A list read before the membership ended does not join it again; a fresh one can.
  directory.rooms.value = [listed("general", true), listed("random", true), listed(dm, true)];
  deepEqual(h.client.rooms.value, ["general", dm, "design"]);
  directory.rooms.value = [listed("general", true), listed("random", false)];
  directory.rooms.value = [listed("general", true), listed("random", true)];
  deepEqual(h.client.rooms.value, ["general", dm, "design", "random"]);
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

  const directory = fakeDirectory([listed("general", true), listed("random", true)]);
  const after = await setup(storage, "general", directory);
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

Deno.test("chat rooms: once disposed, the directory is no longer followed", async () => {
  const { h, rooms, directory } = await setup();
  rooms.dispose();
  directory.rooms.value = [listed("later", true)];
  deepEqual(h.client.rooms.value, ["general"]);
  h.client.dispose();
});

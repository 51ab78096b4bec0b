/**
 * The chat page's rooms through the real client: the rooms you belong to come
 * from the server (the directory, and `membership` frames from your other
 * devices), a browser's old local list is joined once and dropped, leaving
 * forgets the membership, the open room, unread and mention counts (after the
 * account's read position, live from `message` and `read` frames, the
 * directory's until a room syncs or when it holds less than is unread; your
 * own messages never count), a search result opened in its room (history read
 * back to it) and live member counts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { signal } from "@preact/signals";
import { createChatRooms, JOINED_ROOMS_KEY } from "../../lib/client/chat_rooms.ts";
import type { RoomSummary } from "../../lib/client/room_directory.ts";
import {
  createClientHarness,
  createMemoryStorage,
  type FakeSocket,
} from "../../lib/client/testing.ts";
import type { Message, PublicUser } from "../../lib/protocol/mod.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };
const bob = { id: "u-bob", name: "bob", role: "user" as const };

function message(
  room: string,
  seq: number,
  user: PublicUser = bob,
  mentions?: string[],
): Message {
  return {
    room,
    seq,
    id: `${room}-${seq}`,
    cid: `${room}-c${seq}`,
    user,
    text: `#${seq}`,
    ts: seq,
    ...(mentions ? { mentions } : {}),
  };
}

/**
 * The server's `joined` for `room` at `head`, holding its messages from
 * `from` (every message so far by default), the account having read `readSeq`.
 */
function joined(
  socket: FakeSocket,
  room: string,
  head: number,
  presence = [ada],
  { readSeq = 0, from = 1 } = {},
) {
  const messages = Array.from(
    { length: head - from + 1 },
    (_, index) => message(room, from + index),
  );
  socket.receive({
    type: "joined",
    room,
    head,
    recovered: false,
    messages,
    presence,
    read_seq: readSeq,
    unread: head - readSeq,
  });
}

/** A directory entry as `GET /api/rooms` lists it. */
function listed(room: string, joined: boolean, unread = 0, mentions = 0): RoomSummary {
  const visibility = room.startsWith("dm-") ? "dm" : "public";
  return { room, name: room, visibility, members: 1, online: 0, joined, unread, mentions };
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
  deepEqual(rooms.mine.value, ["general", "design"], "not shown from the list read before");
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
  const { h, rooms } = await setup(storage);
  deepEqual(h.client.rooms.value, ["general"]);
  rooms.dispose();
  h.client.dispose();
});

Deno.test("chat rooms: unread messages and mentions count after the read position, live", async () => {
  const directory = fakeDirectory([listed("general", true, 2, 1), listed("random", true, 4, 0)]);
  const { h, rooms, socket } = await setup(createMemoryStorage(), "general", directory);
  deepEqual(rooms.unread.value, { general: 2, random: 4 }, "the directory's until a room syncs");
  deepEqual(rooms.mentions.value, { general: 1, random: 0 });

  joined(socket, "general", 5, [ada], { readSeq: 5 });
  joined(socket, "random", 3, [ada], { readSeq: 1 });
  deepEqual(rooms.unread.value, { general: 0, random: 2 }, "counted from what each room holds");
  deepEqual(rooms.mentions.value, { general: 0, random: 0 });

  socket.receive({ type: "message", ...message("random", 4, bob, ["u-ada"]) });
  socket.receive({ type: "message", ...message("random", 5, bob, ["u-carol"]) });
  socket.receive({ type: "message", ...message("random", 6, ada) });
  socket.receive({ type: "message", ...message("general", 6, bob, ["u-ada"]) });
  deepEqual(rooms.unread.value, { general: 1, random: 4 }, "your own message is never unread");
  deepEqual(rooms.mentions.value, { general: 1, random: 1 }, "only mentions of you count");
  equal(rooms.totalUnread.value, 5);

  // Read on another device: the server echoes the position, and the counts follow.
  socket.receive({ type: "read", room: "random", seq: 4 });
  deepEqual(rooms.unread.value, { general: 1, random: 1 });
  deepEqual(rooms.mentions.value, { general: 1, random: 0 });
  // Read here (the open room's end was seen): the server is told, the counts follow.
  h.client.markRead("general", 6);
  deepEqual(socket.sentOfType("read").at(-1), { type: "read", room: "general", seq: 6 });
  deepEqual(rooms.unread.value, { general: 0, random: 1 });
  deepEqual(rooms.mentions.value, { general: 0, random: 0 });
  rooms.dispose();
  h.client.dispose();
});

Deno.test("chat rooms: holding less than is unread, a room counts at least what the directory says", async () => {
  const directory = fakeDirectory([listed("general", true, 100, 7)]);
  const { h, rooms, socket } = await setup(createMemoryStorage(), "general", directory);
  // The newest 50 of 300 messages, read up to 150: 150 are unread, 50 of them held.
  joined(socket, "general", 300, [ada], { readSeq: 150, from: 251 });
  deepEqual(rooms.unread.value, { general: 100 });
  deepEqual(rooms.mentions.value, { general: 7 });
  // Read to the end on another device: every unread message is held now, none is.
  socket.receive({ type: "read", room: "general", seq: 300 });
  deepEqual(rooms.unread.value, { general: 0 });
  deepEqual(rooms.mentions.value, { general: 0 });
  rooms.dispose();
  h.client.dispose();
});

Deno.test("chat rooms: a search result opens its room, history read back to it, and is focused once", async () => {
  const { h, rooms, socket } = await setup();
  const opening = rooms.openMessage("random", 40);
  equal(rooms.active.value, "random", "the room opens at once");
  joined(socket, "random", 300, [ada], { readSeq: 300, from: 251 });
  // Pages of 200 before the oldest held, until message 40 is held.
  await Promise.resolve();
  const first = socket.sentOfType("history").at(-1)!;
  deepEqual([first.room, first.before, first.limit], ["random", 251, 200]);
  socket.receive({
    type: "history",
    room: "random",
    ref: first.ref,
    more: true,
    messages: Array.from({ length: 200 }, (_, index) => message("random", 51 + index)),
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  const second = socket.sentOfType("history").at(-1)!;
  deepEqual([second.before, second.limit], [51, 200]);
  equal(rooms.focus.value, null, "not focused before it is held");
  socket.receive({
    type: "history",
    room: "random",
    ref: second.ref,
    more: false,
    messages: Array.from({ length: 50 }, (_, index) => message("random", 1 + index)),
  });
  equal(await opening, true);
  deepEqual(rooms.focus.value, { room: "random", seq: 40 });
  rooms.focused();
  equal(rooms.focus.value, null);

  // Held already: focused without asking anything; a seq the room never had: not shown.
  const asked = socket.sentOfType("history").length;
  equal(await rooms.openMessage("random", 260), true);
  deepEqual(rooms.focus.value, { room: "random", seq: 260 });
  equal(await rooms.openMessage("random", 999), false);
  equal(socket.sentOfType("history").length, asked);
  // Opening another room drops a focus not yet shown.
  rooms.open("general");
  equal(rooms.focus.value, null);
  rooms.dispose();
  h.client.dispose();
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

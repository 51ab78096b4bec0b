/**
 * Attack: a user who is not a member pokes at a private room and a direct
 * message by every path that reads or writes a room — join (with and without
 * `since`), history before and after, send, typing, the member list,
 * invitations, roles, removals, the room list, presence, the fallback
 * transport and the admin tools. Each must refuse with `forbidden`, worded the
 * same as for a room that does not exist (the name asked for aside), and
 * nothing of the room may reach them.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { registerAccount, type SignedIn } from "../_helpers/accounts.ts";
import { ask, connectAs, type Reply } from "../_helpers/rooms.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import type { TestSocket } from "../_helpers/socket.ts";
import { openEventStream } from "../integration/fallback_stream.ts";
import type { ServerFrame, ServerFrameOf } from "../../lib/protocol/frames.ts";
import type { RoomListResponse } from "../../lib/protocol/http.ts";
import { createRoomAccess } from "../../lib/server/rooms/mod.ts";
import { createKvMembershipStore } from "../../lib/server/membership/mod.ts";
import { createMessageStore } from "../../lib/server/store/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

/** A direct message's name nobody holds. */
const MISSING_DM = `dm-${"0".repeat(40)}`;
/** A private room's name nobody holds. */
const MISSING_ROOM = "nothing-here";

/** Every path that reads or writes a room, as the frame a non-member sends. */
const PATHS: Record<string, (room: string) => Record<string, unknown>> = {
  join: (room) => ({ type: "join", room }),
  "join since": (room) => ({ type: "join", room, since: 0 }),
  "history before": (room) => ({ type: "history", room, before: 5 }),
  "history after": (room) => ({ type: "history", room, after: 0 }),
  send: (room) => ({ type: "send", room, text: "let me in", cid: crypto.randomUUID() }),
  typing: (room) => ({ type: "typing", room }),
  members: (room) => ({ type: "room_members", room }),
  invite: (room) => ({ type: "invite", room, user: "mallory" }),
  "set role": (room) => ({ type: "set_role", room, user: "ada", role: "member" }),
  "remove member": (room) => ({ type: "remove_member", room, user: "bob" }),
  "send reply": (room) => ({
    type: "send",
    room,
    text: "re",
    reply_to: 1,
    cid: crypto.randomUUID(),
  }),
  edit: (room) => ({ type: "edit", room, target: 1, text: "mine now", cid: crypto.randomUUID() }),
  delete: (room) => ({ type: "delete", room, target: 1, cid: crypto.randomUUID() }),
  react: (room) => ({
    type: "react",
    room,
    target: 1,
    emoji: "👍",
    on: true,
    cid: crypto.randomUUID(),
  }),
  read: (room) => ({ type: "read", room, seq: 1 }),
  search: (room) => ({ type: "search", room, q: "plan" }),
  "members online": (room) => ({ type: "members", room }),
};

/** An answer with the room's name taken out, to compare answers about two rooms. */
function anonymous(reply: ServerFrame, room: string) {
  const { ref: _ref, ...rest } = reply as Reply;
  return JSON.parse(JSON.stringify(rest).replaceAll(room, "<room>"));
}

interface Scene {
  server: TestServer;
  ada: SignedIn;
  mallory: SignedIn;
  adaSocket: TestSocket;
  bobSocket: TestSocket;
  dm: string;
}

/** Ada's private room "secret" and her direct message with bob, each with a message in it. */
async function scene(server: TestServer): Promise<Scene> {
  const ada = await registerAccount(server.origin, "ada");
  const bob = await registerAccount(server.origin, "bob");
  const mallory = await registerAccount(server.origin, "mallory");
  const adaSocket = await connectAs(server, ada);
  const bobSocket = await connectAs(server, bob);
  await ask(adaSocket, { type: "create_room", room: "secret", visibility: "private" });
  await ask(adaSocket, { type: "invite", room: "secret", user: "bob" });
  await ask(bobSocket, { type: "join", room: "secret" });
  await ask(adaSocket, { type: "send", room: "secret", text: "the plan", cid: "s1" });
  const dm = (await ask(adaSocket, { type: "dm", users: ["bob"] }) as ServerFrameOf<"joined">).room;
  await ask(adaSocket, { type: "send", room: dm, text: "just us", cid: "d1" });
  return { server, ada, mallory, adaSocket, bobSocket, dm };
}

Deno.test("a non-member is refused on every path, exactly as for a room that does not exist", async () => {
  // Seventy questions in a row: more than the default burst of frames.
  await using server = await startTestServer({ env: { RATE_BURST: "100" } });
  const { mallory, adaSocket, bobSocket, dm } = await scene(server);
  await using mallorySocket = await connectAs(server, mallory);
  const pairs: [string, string][] = [["secret", MISSING_ROOM], [dm, MISSING_DM]];
  for (const [path, frame] of Object.entries(PATHS)) {
    for (const [existing, missing] of pairs) {
      // Joining a free name that is no direct message's makes a public room: not comparable.
      if (path.startsWith("join") && missing === MISSING_ROOM) continue;
      const refused = await ask(mallorySocket, frame(existing));
      const nothing = await ask(mallorySocket, frame(missing));
      equal(refused.type === "error" && refused.code, "forbidden", `${path} ${existing}`);
      deepEqual(anonymous(refused, existing), anonymous(nothing, missing), `${path} ${existing}`);
    }
  }
  // A private room's join is refused in the same words.
  const join = await ask(mallorySocket, { type: "join", room: "secret" });
  const dmJoin = await ask(mallorySocket, { type: "join", room: MISSING_DM });
  deepEqual(anonymous(join, "secret"), anonymous(dmJoin, MISSING_DM));

  // Whatever happens in the rooms meanwhile never reaches mallory.
  await ask(adaSocket, { type: "send", room: "secret", text: "still secret", cid: "s2" });
  bobSocket.send({ type: "typing", room: dm });
  mallorySocket.send({ type: "ping", t: 42 });
  for (
    let frame = await mallorySocket.next();
    frame.type !== "pong";
    frame = await mallorySocket.next()
  ) {
    ok(!["message", "presence", "typing", "joined", "history"].includes(frame.type), frame.type);
  }
  await Promise.all([adaSocket, bobSocket].map((socket) => socket[Symbol.asyncDispose]()));
});

Deno.test("GET /api/rooms never lists a private room or a direct message to a non-member", async () => {
  await using server = await startTestServer();
  const { ada, mallory, adaSocket, bobSocket, dm } = await scene(server);
  const listed = async (who: SignedIn | undefined) => {
    const response = await fetch(`${server.origin}/api/rooms`, {
      headers: who ? { authorization: `Bearer ${who.token}` } : {},
    });
    return ((await response.json()) as RoomListResponse).rooms.map((entry) => entry.room);
  };
  ok((await listed(ada)).includes("secret") && (await listed(ada)).includes(dm));
  deepEqual(await listed(mallory), ["general"]);
  deepEqual(await listed(undefined), ["general"]);
  await Promise.all([adaSocket, bobSocket].map((socket) => socket[Symbol.asyncDispose]()));
});

Deno.test("the fallback transport refuses a non-member the same way", async () => {
  await using server = await startTestServer();
  const { mallory, adaSocket, bobSocket, dm } = await scene(server);
  await using stream = await openEventStream(server.origin, mallory.token);
  for (const [existing, missing] of [["secret", MISSING_ROOM], [dm, MISSING_DM]]) {
    for (const frame of [PATHS["history before"], PATHS.send, PATHS.members]) {
      await stream.post(frame(existing));
      const refused = await stream.nextOf("error");
      await stream.post(frame(missing));
      const nothing = await stream.nextOf("error");
      equal(refused.code, "forbidden");
      deepEqual(anonymous(refused, existing), anonymous(nothing, missing));
    }
  }
  await stream.post(PATHS.join(dm));
  equal((await stream.nextOf("error")).code, "forbidden");
  await Promise.all([adaSocket, bobSocket].map((socket) => socket[Symbol.asyncDispose]()));
});

Deno.test("admin tools: only admins close rooms; a closed private room evicts its members", async () => {
  await using server = await startTestServer();
  const { mallory, adaSocket, bobSocket } = await scene(server);
  const close = (token: string) =>
    fetch(`${server.origin}/api/admin/close-room`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ room: "secret" }),
    });
  const refused = await close(mallory.token);
  equal(refused.status, 403);
  await refused.body?.cancel();
  const { token } = await server.services.tokens.sign({ ...mallory.user, role: "admin" });
  const closed = await close(token);
  equal(closed.status, 200);
  await closed.body?.cancel();
  for (const socket of [adaSocket, bobSocket]) {
    const error = await socket.take((frame) => frame.type === "error");
    equal(error.type === "error" && error.code, "forbidden");
    deepEqual(await socket.take((frame) => frame.type === "left"), {
      type: "left",
      room: "secret",
    });
  }
  await Promise.all([adaSocket, bobSocket].map((socket) => socket[Symbol.asyncDispose]()));
});

Deno.test("the access check behind edits, reactions, read positions and search says the same", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = createVirtualClock(1_000);
    const memberships = createKvMembershipStore({ kv });
    const access = createRoomAccess({
      memberships,
      store: createMessageStore(kv, { historyMax: 10, clock }),
      clock,
    });
    const ada = { id: "user:ada", name: "ada", role: "user" as const };
    const eve = { id: "user:eve", name: "eve", role: "user" as const };
    const root = { id: "user:root", name: "root", role: "admin" as const };
    await memberships.createRoom(
      { room: "secret", visibility: "private", owner: ada.id, createdAt: 1 },
      ada,
    );
    for (const check of [access.read, access.write, access.moderate]) {
      const existing = await check(eve, "secret");
      const missing = await check(eve, MISSING_ROOM);
      ok(!existing.ok && !missing.ok);
      equal(
        existing.message.replace("secret", "<room>"),
        missing.message.replace(MISSING_ROOM, "<room>"),
      );
      equal((await check(ada, "secret")).ok, true);
    }
    equal((await access.read(root, "secret")).ok, false, "admins do not read others' rooms");
    equal((await access.moderate(root, "secret")).ok, true, "but moderate every room");
    equal((await access.moderate(root, MISSING_ROOM)).ok, false);
  } finally {
    kv.close();
  }
});

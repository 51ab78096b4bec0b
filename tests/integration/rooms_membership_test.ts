/**
 * Membership through the real server: kept per account (every device of it),
 * `GET /api/rooms` per account, leaving with and without `forget`, private
 * rooms with invitations, direct messages (one room per set of people), and
 * moderation (roles, removals).
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { registerAccount, type SignedIn, signInAccount } from "../_helpers/accounts.ts";
import { ask, connectAs } from "../_helpers/rooms.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import type { RoomListEntry, RoomListResponse } from "../../lib/protocol/http.ts";
import type { ServerFrameOf } from "../../lib/protocol/frames.ts";

/** `GET /api/rooms` as `who`, or anonymously. */
async function roomsOf(server: TestServer, who?: SignedIn, query = "") {
  const response = await fetch(`${server.origin}/api/rooms${query}`, {
    headers: who ? { authorization: `Bearer ${who.token}` } : {},
  });
  equal(response.status, 200);
  return await response.json() as RoomListResponse;
}

/** The entry of `room` in `who`'s list, if listed. */
async function entry(server: TestServer, who: SignedIn, room: string) {
  return (await roomsOf(server, who)).rooms.find((listed) => listed.room === room);
}

Deno.test("membership: a join on one device shows joined on the other, which is told", async () => {
  await using server = await startTestServer();
  const phone = await registerAccount(server.origin, "ada");
  const laptop = await signInAccount(server.origin, "ada");
  await using phoneSocket = await connectAs(server, phone);
  await using laptopSocket = await connectAs(server, laptop);

  equal(await entry(server, phone, "random"), undefined);
  const joined = await ask(laptopSocket, { type: "join", room: "random" });
  equal(joined.type, "joined");
  deepEqual(await phoneSocket.nextOf("membership"), {
    type: "membership",
    room: "random",
    joined: true,
  });
  const listed = await entry(server, phone, "random");
  deepEqual(
    listed,
    {
      room: "random",
      name: "random",
      visibility: "public",
      members: 1,
      online: 1,
      joined: true,
      unread: 0,
      mentions: 0,
    } satisfies RoomListEntry,
  );
});

Deno.test("membership: leave stops this connection only; leave with forget ends it everywhere", async () => {
  await using server = await startTestServer();
  const phone = await registerAccount(server.origin, "ada");
  const laptop = await signInAccount(server.origin, "ada");
  await using phoneSocket = await connectAs(server, phone);
  await using laptopSocket = await connectAs(server, laptop);
  await ask(phoneSocket, { type: "join", room: "random" });
  await ask(laptopSocket, { type: "join", room: "random" });

  equal((await ask(laptopSocket, { type: "leave", room: "random" })).type, "left");
  equal((await entry(server, phone, "random"))?.joined, true, "still a member");

  await ask(laptopSocket, { type: "join", room: "random" });
  const left = await ask(laptopSocket, { type: "leave", room: "random", forget: true });
  equal(left.type, "left");
  // The phone was in the room: it leaves it too, and hears that the membership ended.
  deepEqual(await phoneSocket.take((frame) => frame.type === "left"), {
    type: "left",
    room: "random",
  });
  deepEqual(await phoneSocket.take((frame) => frame.type === "membership" && !frame.joined), {
    type: "membership",
    room: "random",
    joined: false,
  });
  equal((await entry(server, phone, "random"))?.joined, false);
});

Deno.test("rooms list: pages by name over public rooms and the caller's own, bounded", async () => {
  await using server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  const bob = await registerAccount(server.origin, "bob");
  await using adaSocket = await connectAs(server, ada);
  for (const room of ["alpha", "beta", "delta"]) await ask(adaSocket, { type: "join", room });
  await ask(adaSocket, { type: "create_room", room: "charlie", visibility: "private" });
  const dm = await ask(adaSocket, { type: "dm", users: ["bob"] }) as ServerFrameOf<"joined">;

  const names = async (who: SignedIn | undefined) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: RoomListResponse = await roomsOf(
        server,
        who,
        `?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      ok(page.rooms.length <= 2);
      seen.push(...page.rooms.map((listed) => listed.room));
      cursor = page.next;
    } while (cursor !== null);
    return seen;
  };
  deepEqual(await names(ada), ["alpha", "beta", "charlie", "delta", dm.room, "general"].sort());
  deepEqual(await names(bob), ["alpha", "beta", "delta", dm.room, "general"].sort());
  deepEqual(await names(undefined), ["alpha", "beta", "delta", "general"]);

  const dmEntry = (await roomsOf(server, bob)).rooms.find((listed) => listed.room === dm.room);
  deepEqual(dmEntry?.people?.map((person) => person.name), ["ada", "bob"]);
  equal(dmEntry?.visibility, "dm");
  equal((await fetch(`${server.origin}/api/rooms?limit=0`)).status, 400);
  const badToken = await fetch(`${server.origin}/api/rooms`, {
    headers: { authorization: "Bearer nonsense" },
  });
  equal(badToken.status, 401);
  await badToken.body?.cancel();
});

Deno.test("private rooms: made with an owner, taken names conflict, invitations let people in", async () => {
  await using server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  const bob = await registerAccount(server.origin, "bob");
  const carol = await registerAccount(server.origin, "carol");
  await using adaSocket = await connectAs(server, ada);
  await using bobSocket = await connectAs(server, bob);
  await using carolSocket = await connectAs(server, carol);

  const made = await ask(adaSocket, { type: "create_room", room: "team", visibility: "private" });
  equal(made.type, "joined");
  const joined = made as ServerFrameOf<"joined">;
  deepEqual([joined.visibility, joined.room_role], ["private", "owner"]);
  for (const room of ["team", "general"]) {
    const taken = await ask(bobSocket, { type: "create_room", room, visibility: "public" });
    deepEqual([taken.type, "code" in taken && taken.code], ["error", "conflict"], room);
  }
  await ask(bobSocket, { type: "join", room: "lobby" });
  const lobby = await ask(adaSocket, { type: "create_room", room: "lobby", visibility: "private" });
  equal("code" in lobby && lobby.code, "conflict", "a public room's name is taken too");
  const reserved = await ask(adaSocket, {
    type: "create_room",
    room: "dm-x",
    visibility: "private",
  });
  equal("code" in reserved && reserved.code, "bad_request");

  const refused = await ask(bobSocket, { type: "join", room: "team" });
  equal("code" in refused && refused.code, "forbidden");
  const invited = await ask(adaSocket, { type: "invite", room: "team", user: "BOB" });
  deepEqual(invited, { type: "invited", room: "team", user: bob.user, ref: invited.ref });
  deepEqual(await bobSocket.nextOf("invitation"), {
    type: "invitation",
    room: "team",
    by: ada.user,
  });
  const entered = await ask(bobSocket, { type: "join", room: "team" }) as ServerFrameOf<"joined">;
  deepEqual([entered.type, entered.room_role], ["joined", "member"]);
  const stranger = await ask(carolSocket, { type: "join", room: "team" });
  equal("code" in stranger && stranger.code, "forbidden", "carol was not invited");

  await ask(bobSocket, { type: "send", room: "team", text: "hello team", cid: "c1" });
  equal((await adaSocket.nextOf("message")).text, "hello team");
  const unknown = await ask(adaSocket, { type: "invite", room: "team", user: "nobody" });
  equal("code" in unknown && unknown.code, "bad_request");
});

Deno.test("direct messages: one room per set of people, whoever opens it; dm- names never made by join", async () => {
  await using server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  const bob = await registerAccount(server.origin, "bob");
  await registerAccount(server.origin, "carol");
  const zed = await fetch(`${server.origin}/api/guest`, {
    method: "POST",
    body: JSON.stringify({ name: "zed" }),
  }).then((response) => response.json());
  await using adaSocket = await connectAs(server, ada);
  await using bobSocket = await connectAs(server, bob);

  const opened = await ask(adaSocket, { type: "dm", users: ["bob"] }) as ServerFrameOf<"joined">;
  equal(opened.type, "joined");
  match(opened.room, /^dm-[0-9a-f]{40}$/);
  deepEqual([opened.visibility, opened.people?.map((person) => person.name)], ["dm", [
    "ada",
    "bob",
  ]]);
  deepEqual(await bobSocket.nextOf("membership"), {
    type: "membership",
    room: opened.room,
    joined: true,
  });
  const again = await ask(bobSocket, { type: "dm", users: ["ada"] }) as ServerFrameOf<"joined">;
  equal(again.room, opened.room, "the same room, whoever opens it");
  const three = await ask(adaSocket, { type: "dm", users: ["bob", "carol", "zed"] });
  ok(three.type === "joined" && three.room !== opened.room);
  deepEqual(
    (three as ServerFrameOf<"joined">).people?.map((person) => [person.name, person.role]),
    [["ada", "user"], ["bob", "user"], ["carol", "user"], ["zed", "guest"]],
  );
  ok(zed.user.role === "guest");

  for (const users of [["ada"], ["nobody"]]) {
    const refused = await ask(adaSocket, { type: "dm", users });
    equal("code" in refused && refused.code, "bad_request", users[0]);
  }
  const made = await ask(adaSocket, { type: "join", room: "dm-0000" });
  equal("code" in made && made.code, "forbidden");
  equal((await roomsOf(server, ada)).rooms.some((listed) => listed.room === "dm-0000"), false);
});

Deno.test("moderation: the owner gives roles; owner, moderators and admins remove; removed means out", async () => {
  await using server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  const bob = await registerAccount(server.origin, "bob");
  const carol = await registerAccount(server.origin, "carol");
  const dave = await registerAccount(server.origin, "dave");
  await using adaSocket = await connectAs(server, ada);
  await using bobSocket = await connectAs(server, bob);
  await using carolSocket = await connectAs(server, carol);
  await using daveSocket = await connectAs(server, dave);
  await ask(adaSocket, { type: "create_room", room: "team", visibility: "private" });
  for (
    const [socket, name] of [[bobSocket, "bob"], [carolSocket, "carol"], [
      daveSocket,
      "dave",
    ]] as const
  ) {
    await ask(adaSocket, { type: "invite", room: "team", user: name });
    await ask(socket, { type: "join", room: "team" });
  }

  const notOwner = await ask(bobSocket, {
    type: "set_role",
    room: "team",
    user: "carol",
    role: "moderator",
  });
  equal("code" in notOwner && notOwner.code, "forbidden");
  const promoted = await ask(adaSocket, {
    type: "set_role",
    room: "team",
    user: "bob",
    role: "moderator",
  });
  deepEqual(promoted, {
    type: "member_role",
    room: "team",
    user: bob.user,
    role: "moderator",
    ref: promoted.ref,
  });

  const byMember = await ask(carolSocket, { type: "remove_member", room: "team", user: "dave" });
  equal("code" in byMember && byMember.code, "forbidden");
  const theOwner = await ask(bobSocket, { type: "remove_member", room: "team", user: "ada" });
  equal("code" in theOwner && theOwner.code, "bad_request");
  const removed = await ask(bobSocket, { type: "remove_member", room: "team", user: "carol" });
  deepEqual(removed, { type: "member_removed", room: "team", user: carol.user, ref: removed.ref });
  const told = await carolSocket.take((frame) => frame.type === "error");
  deepEqual([told.type === "error" && told.code, told.type === "error" && told.room], [
    "forbidden",
    "team",
  ]);
  deepEqual(await carolSocket.take((frame) => frame.type === "left"), {
    type: "left",
    room: "team",
  });
  deepEqual(await carolSocket.take((frame) => frame.type === "membership" && !frame.joined), {
    type: "membership",
    room: "team",
    joined: false,
  });
  const back = await ask(carolSocket, { type: "join", room: "team" });
  equal("code" in back && back.code, "forbidden", "no way back without a new invitation");
  const listing = await ask(adaSocket, { type: "room_members", room: "team" }) as ServerFrameOf<
    "room_members"
  >;
  deepEqual(
    listing.members.map(({ user, role }) => [user.name, role]).sort(),
    [["ada", "owner"], ["bob", "moderator"], ["dave", "member"]],
  );

  // An administrator who is no member may remove too; a moderator may not remove a moderator.
  const { token } = await server.services.tokens.sign({ ...dave.user, role: "admin" });
  await using admin = await connectAs(server, { token });
  const byModerator = await ask(bobSocket, {
    type: "set_role",
    room: "team",
    user: "dave",
    role: "moderator",
  });
  equal("code" in byModerator && byModerator.code, "forbidden");
  await ask(adaSocket, { type: "set_role", room: "team", user: "dave", role: "moderator" });
  const moderatorByModerator = await ask(bobSocket, {
    type: "remove_member",
    room: "team",
    user: "dave",
  });
  equal("code" in moderatorByModerator && moderatorByModerator.code, "forbidden");
  const byAdmin = await ask(admin, { type: "remove_member", room: "team", user: "bob" });
  equal(byAdmin.type, "member_removed");
});

/**
 * The contract every {@linkcode MembershipStore} passes. An engine's test file
 * runs it with a factory that gives a fresh, empty store and a way to put a
 * room in that engine's log (a room `join` made before metadata was kept):
 *
 * @example
 * ```ts
 * membershipStoreContract("kv", async () => {
 *   const kv = await Deno.openKv(":memory:");
 *   const log = createMessageStore(kv, { historyMax: 100, clock: createVirtualClock() });
 *   return {
 *     store: createKvMembershipStore({ kv }),
 *     roomInLog: (room) => log.commit({ room, user, text: "hi", cid: room }).then(() => {}),
 *     close: () => kv.close(),
 *   };
 * });
 * ```
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { PublicUser } from "../../lib/protocol/mod.ts";
import {
  INVITATION_TTL_MS,
  type MembershipCursor,
  type MembershipStore,
  type RoomInfo,
} from "../../lib/server/membership/mod.ts";

/** A fresh store, and a room put in the same engine's log. */
export interface MembershipStoreFixture {
  store: MembershipStore;
  /** Puts `room` in the log (a message in it), as a room made by `join` long ago. */
  roomInLog(room: string): Promise<void>;
  close(): Promise<void> | void;
}

const NOW = 1_800_000_000_000;
const ada: PublicUser = { id: "user:ada", name: "ada", role: "user" };
const bob: PublicUser = { id: "user:bob", name: "bob", role: "user" };
const zed: PublicUser = { id: "guest:zed", name: "zed", role: "guest" };

function privateRoom(room: string, owner = ada): RoomInfo {
  return { room, visibility: "private", owner: owner.id, createdAt: NOW };
}

/** Registers the membership store contract's tests for one engine. */
export function membershipStoreContract(
  engine: string,
  setup: () => Promise<MembershipStoreFixture>,
): void {
  const test = (name: string, fn: (fixture: MembershipStoreFixture) => Promise<void>) =>
    Deno.test(`membership store (${engine}): ${name}`, async () => {
      const fixture = await setup();
      try {
        await fn(fixture);
      } finally {
        await fixture.close();
      }
    });

  test("a made room has its creator as owner; its name is taken from then on", async ({ store }) => {
    equal(await store.createRoom(privateRoom("team"), ada), "created");
    equal(await store.createRoom(privateRoom("team", bob), bob), "taken");
    const { info, membership, invited } = await store.access("team", ada.id, NOW);
    deepEqual(info, privateRoom("team"));
    deepEqual(membership, { user: ada, role: "owner", joinedAt: NOW });
    equal(invited, false);
    deepEqual(
      await store.memberCounts(["team", "nowhere"]),
      new Map([["team", 1], ["nowhere", 0]]),
    );
  });

  test("a room in the log, or one a join made, takes its name too", async ({ store, roomInLog }) => {
    await roomInLog("old");
    equal(await store.createRoom(privateRoom("old"), ada), "taken");
    deepEqual(await store.ensurePublic("lobby", NOW), {
      room: "lobby",
      visibility: "public",
      owner: null,
      createdAt: NOW,
    });
    equal(await store.createRoom(privateRoom("lobby"), ada), "taken");
  });

  test("ensurePublic keeps what is stored, a private room included", async ({ store }) => {
    await store.createRoom(privateRoom("team"), ada);
    equal((await store.ensurePublic("team", NOW + 5)).visibility, "private");
    const first = await store.ensurePublic("lobby", NOW);
    deepEqual(await store.ensurePublic("lobby", NOW + 5), first);
    deepEqual(
      await store.infos(["team", "lobby", "nowhere"]),
      new Map([
        ["team", privateRoom("team")],
        ["lobby", first],
      ]),
    );
  });

  test("joining a public room makes a member once; a private one wants an invitation, which it takes", async ({ store }) => {
    await store.ensurePublic("lobby", NOW);
    equal(await store.addMember("lobby", bob, { now: NOW }), "added");
    equal(await store.addMember("lobby", bob, { now: NOW }), "already");
    // Invited to a public room all the same: entering it takes the invitation too.
    await store.invite("lobby", zed, ada, NOW);
    equal(await store.addMember("lobby", zed, { now: NOW }), "added");
    equal(
      (await store.access("lobby", zed.id, NOW)).invited,
      false,
      "entering took the invitation",
    );
    equal((await store.memberCounts(["lobby"])).get("lobby"), 2);

    await store.createRoom(privateRoom("team"), ada);
    equal(await store.addMember("team", bob, { now: NOW, requireInvitation: true }), "not_invited");
    await store.invite("team", bob, ada, NOW);
    equal((await store.access("team", bob.id, NOW)).invited, true);
    equal(await store.addMember("team", bob, { now: NOW, requireInvitation: true }), "added");
    equal((await store.access("team", bob.id, NOW)).invited, false, "joining took the invitation");
    equal((await store.memberCounts(["team"])).get("team"), 2);
  });

  test("an invitation lapses after its time", async ({ store }) => {
    await store.createRoom(privateRoom("team"), ada);
    await store.invite("team", zed, ada, NOW);
    const late = NOW + INVITATION_TTL_MS;
    equal((await store.access("team", zed.id, late)).invited, false);
    equal(
      await store.addMember("team", zed, { now: late, requireInvitation: true }),
      "not_invited",
    );
  });

  test("removing a member ends the membership and any invitation, and counts", async ({ store }) => {
    await store.createRoom(privateRoom("team"), ada);
    await store.invite("team", bob, ada, NOW);
    await store.addMember("team", bob, { now: NOW, requireInvitation: true });
    await store.invite("team", bob, ada, NOW);
    deepEqual(await store.removeMember("team", bob.id), {
      user: bob,
      role: "member",
      joinedAt: NOW,
    });
    equal(await store.removeMember("team", bob.id), null);
    const after = await store.access("team", bob.id, NOW);
    equal(after.membership, null);
    equal(after.invited, false, "a new invitation is needed to come back");
    equal((await store.memberCounts(["team"])).get("team"), 1);
    deepEqual((await store.roomsOf(bob.id, { limit: 10 })).rooms, []);
  });

  test("roles change for members only", async ({ store }) => {
    await store.createRoom(privateRoom("team"), ada);
    await store.invite("team", bob, ada, NOW);
    await store.addMember("team", bob, { now: NOW, requireInvitation: true });
    equal((await store.setRole("team", bob.id, "moderator"))?.role, "moderator");
    equal((await store.access("team", bob.id, NOW)).membership?.role, "moderator");
    equal(await store.setRole("team", zed.id, "moderator"), null);
  });

  test("a direct message is made once, with every one of its people a member", async ({ store }) => {
    const info = {
      room: "dm-abc",
      visibility: "dm" as const,
      owner: null,
      createdAt: NOW,
      people: [ada, bob, zed],
    };
    deepEqual(await store.openDm(info), { info, created: true });
    deepEqual(await store.openDm({ ...info, createdAt: NOW + 9 }), { info, created: false });
    for (const person of [ada, bob, zed]) {
      equal((await store.access("dm-abc", person.id, NOW)).membership?.role, "member");
    }
    equal((await store.memberCounts(["dm-abc"])).get("dm-abc"), 3);
  });

  test("a user's rooms and a room's members page by name and by id", async ({ store }) => {
    for (const room of ["a", "b", "c", "d", "e"]) {
      await store.ensurePublic(room, NOW);
      await store.addMember(room, ada, { now: NOW });
    }
    const first = await store.roomsOf(ada.id, { limit: 3 });
    deepEqual(first, { rooms: ["a", "b", "c"], frontier: "c" });
    deepEqual(await store.roomsOf(ada.id, { after: "c", limit: 3 }), {
      rooms: ["d", "e"],
      frontier: null,
    });

    for (const user of [bob, zed]) await store.addMember("a", user, { now: NOW });
    const members = await store.membersOf("a", { limit: 2 });
    equal(members.members.length, 2);
    ok(members.next !== null);
    const rest = await store.membersOf("a", { after: members.next!, limit: 2 });
    deepEqual(rest.next, null);
    deepEqual(
      [...members.members, ...rest.members].map((member) => member.user.id).sort(),
      [ada.id, bob.id, zed.id].sort(),
    );
  });
  test("memberships of users by an id prefix page by user and room, others left out", async ({ store }) => {
    const guests = [1, 2, 3].map((n): PublicUser => ({
      id: `guest:${n}`,
      name: `g${n}`,
      role: "guest",
    }));
    for (const room of ["a", "b"]) {
      await store.ensurePublic(room, NOW);
      for (const user of [ada, ...guests]) await store.addMember(room, user, { now: NOW });
    }
    const seen: string[] = [];
    let after: MembershipCursor | undefined;
    for (;;) {
      const page = await store.membershipsByUserPrefix("guest:", { after, limit: 4 });
      ok(page.memberships.length <= 4);
      for (const { room, membership } of page.memberships) {
        equal(membership.role, "member");
        seen.push(`${membership.user.id} ${room}`);
      }
      if (page.next === null) break;
      after = page.next;
    }
    deepEqual(seen, [
      "guest:1 a",
      "guest:1 b",
      "guest:2 a",
      "guest:2 b",
      "guest:3 a",
      "guest:3 b",
    ]);
    await store.removeMember("a", "guest:2");
    deepEqual(
      (await store.membershipsByUserPrefix("guest:2", { limit: 10 })).memberships.map((m) =>
        m.room
      ),
      ["b"],
    );
  });
}

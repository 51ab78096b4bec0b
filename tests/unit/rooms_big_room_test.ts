/**
 * Big rooms in virtual time, on the room layer as the hub drives it: above
 * `presenceListMax` a `joined` lists the first users by name and counts them
 * all, presence and typing reach each member at most once a second however
 * fast people come, go and type, and `members` pages through everyone.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { PublicUser } from "../../lib/protocol/mod.ts";
import type { RoomLayer, RoomMember } from "../../lib/server/rooms/mod.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";
import { roomLayerOnKv, startTestCluster } from "../_helpers/cluster.ts";
import { type RecordingMember, recordingMember } from "../_helpers/room_member.ts";

const LIST_MAX = 5;
const SECOND = 1_000;
/** How long a last connection stays gone before its user leaves (the room layer's default). */
const LEAVE_DELAY_MS = 3_000;

type Member = RecordingMember;
const member = recordingMember;

const publicOf = ({ user }: RoomMember): PublicUser => ({
  id: user.id,
  name: user.name,
  role: user.role,
});

async function withLayer(test: (layer: RoomLayer, clock: VirtualClock) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  const clock = createVirtualClock(1_000_000);
  const cluster = await startTestCluster(kv, { clock, historyMax: 100 });
  const layer = roomLayerOnKv(kv, cluster, {
    clock,
    config: { maxTextChars: 100, presenceListMax: LIST_MAX },
  });
  try {
    await test(layer, clock);
  } finally {
    await layer.close();
    await cluster.close();
    kv.close();
  }
}

async function joinAll(layer: RoomLayer, members: Member[]) {
  for (const one of members) await layer.service.handle(one, { type: "join", room: "general" });
}

Deno.test("a joined in a big room lists the first users by name and counts everyone", () =>
  withLayer(async (layer) => {
    const members = Array.from({ length: 12 }, (_, index) => member(11 - index));
    await joinAll(layer, members);
    const small = members[LIST_MAX - 1].of("joined")[0];
    equal(small.presence.length, LIST_MAX);
    equal("presence_count" in small, false, "a room at the bound is listed whole, as before");
    const big = members.at(-1)!.of("joined")[0];
    deepEqual(big.presence, [0, 1, 2, 3, 4].map((index) => publicOf(member(index))));
    equal(big.presence_count, 12);
  }));

Deno.test("in a big room members get one count a second, however many join", () =>
  withLayer(async (layer, clock) => {
    const first = member(0);
    const crowd = Array.from({ length: 40 }, (_, index) => member(index + 1));
    await joinAll(layer, [first]);
    clock.advance(SECOND);
    await joinAll(layer, crowd.slice(0, LIST_MAX - 1));
    clock.advance(SECOND);
    const listed = first.of("presence").length;
    ok(listed >= 1 && first.of("presence").every((frame) => frame.joins !== undefined));

    // Past the bound: the first count goes out at once, then nothing until the second ends.
    await joinAll(layer, crowd.slice(LIST_MAX - 1));
    deepEqual(first.of("presence").slice(listed), [
      { type: "presence", room: "general", count: LIST_MAX + 1 },
    ]);
    clock.advance(SECOND - 1);
    equal(first.of("presence").length, listed + 1);
    clock.advance(1);
    deepEqual(first.of("presence").at(-1), { type: "presence", room: "general", count: 41 });
    clock.advance(10 * SECOND);
    equal(first.of("presence").length, listed + 2, "nothing changed, nothing sent");

    // A latecomer after a quiet second: the others hear the count at once, its joined has it.
    const late = member(99);
    await joinAll(layer, [late]);
    equal(late.of("joined")[0].presence_count, 42);
    deepEqual(first.of("presence").at(-1), { type: "presence", room: "general", count: 42 });
    clock.advance(SECOND);
    deepEqual(late.of("presence"), []);
  }));

Deno.test("a big room that shrinks back says so with a last count, then lists again", () =>
  withLayer(async (layer, clock) => {
    const members = Array.from({ length: LIST_MAX + 2 }, (_, index) => member(index));
    await joinAll(layer, members);
    clock.advance(10 * SECOND);
    const [watcher] = members;
    const before = watcher.of("presence").length;
    for (const leaving of members.slice(-2)) {
      await layer.service.handle(leaving, { type: "leave", room: "general" });
    }
    clock.advance(LEAVE_DELAY_MS + SECOND);
    // The two leaves fall due together: the first count at once, the last a second later.
    deepEqual(watcher.of("presence").slice(before), [
      { type: "presence", room: "general", count: LIST_MAX + 1 },
      { type: "presence", room: "general", count: LIST_MAX },
    ]);
    await layer.service.handle(members[1], { type: "leave", room: "general" });
    clock.advance(LEAVE_DELAY_MS);
    deepEqual(watcher.of("presence").at(-1), {
      type: "presence",
      room: "general",
      joins: [],
      leaves: [publicOf(members[1])],
    });
  }));

Deno.test("typing in a big room: one frame a second, naming three typists and a count", () =>
  withLayer(async (layer, clock) => {
    const members = Array.from({ length: 10 }, (_, index) => member(index));
    await joinAll(layer, members);
    clock.advance(10 * SECOND);
    const [reader, ...typists] = members;
    const typingFrames = () => reader.of("typing");
    for (const typist of typists) {
      await layer.service.handle(typist, { type: "typing", room: "general" });
    }
    const lone = { type: "typing", room: "general", user: publicOf(typists[0]) };
    deepEqual(typingFrames(), [{ ...lone, users: [lone.user], count: 1 }]);
    equal(typists[0].of("typing").length, 0, "a lone typist is not told about themselves");
    clock.advance(SECOND);
    const named = typists.slice(1, 4).map(publicOf);
    deepEqual(typingFrames().at(-1), {
      type: "typing",
      room: "general",
      user: named[0],
      users: named,
      count: typists.length - 1,
    });
    clock.advance(5 * SECOND);
    equal(typingFrames().length, 2);
  }));

Deno.test("typing in a small room still goes to the others one by one", () =>
  withLayer(async (layer) => {
    const members = Array.from({ length: 3 }, (_, index) => member(index));
    await joinAll(layer, members);
    await layer.service.handle(members[1], { type: "typing", room: "general" });
    await layer.service.handle(members[2], { type: "typing", room: "general" });
    deepEqual(members[0].of("typing"), [
      { type: "typing", room: "general", user: publicOf(members[1]) },
      { type: "typing", room: "general", user: publicOf(members[2]) },
    ]);
  }));

Deno.test("members pages through everyone online, by name, with a prefix to search", () =>
  withLayer(async (layer) => {
    const members = Array.from({ length: 23 }, (_, index) => member(index));
    await joinAll(layer, members);
    const [asker] = members;
    const seen: PublicUser[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      await layer.service.handle(asker, { type: "members", room: "general", after, limit: 10 });
      const page = asker.of("members").at(-1)!;
      equal(page.count, 23);
      seen.push(...page.users);
      if (page.next === null) break;
      after = page.next;
    }
    deepEqual(seen, members.map(publicOf));

    await layer.service.handle(asker, {
      type: "members",
      room: "general",
      prefix: "USER-01",
      ref: "q",
    });
    deepEqual(asker.of("members").at(-1), {
      type: "members",
      room: "general",
      users: members.slice(10, 20).map(publicOf),
      next: null,
      count: 23,
      ref: "q",
    });

    // A room that does not exist is refused as a private one is: the answer says nothing.
    const outsider = member(500);
    await layer.service.handle(outsider, { type: "members", room: "empty", limit: 5, ref: "e" });
    deepEqual(outsider.of("members"), []);
    deepEqual(outsider.of("error").map((error) => [error.code, error.ref]), [["forbidden", "e"]]);
  }));

Deno.test("members of a closed room, or of a private room by an outsider, is refused", () =>
  withLayer(async (layer) => {
    const [owner, outsider] = [member(1), member(2)];
    await layer.service.handle(owner, { type: "create_room", room: "team", visibility: "private" });
    await layer.service.handle(owner, { type: "members", room: "team", ref: "own" });
    deepEqual(owner.of("members").map((page) => [page.count, page.ref]), [[1, "own"]]);
    await layer.service.handle(outsider, { type: "members", room: "team", ref: "out" });
    deepEqual(outsider.of("error").map((error) => [error.code, error.ref]), [["forbidden", "out"]]);

    await layer.service.handle(owner, { type: "join", room: "town" });
    await layer.closures.closeRoom("town", "admin");
    await layer.service.handle(outsider, { type: "members", room: "town", ref: "closed" });
    deepEqual(outsider.of("error").at(-1)?.code, "forbidden");
    deepEqual(outsider.of("error").at(-1)?.ref, "closed");
    equal(outsider.of("members").length, 0);
  }));

import { deepEqual } from "node:assert/strict";
import type { PublicUser } from "../../lib/protocol/mod.ts";
import { createPresence, presenceShares } from "../../lib/server/presence/mod.ts";
import { type RoomMember } from "../../lib/server/rooms/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { roomLayerOnKv, startTestCluster } from "../_helpers/cluster.ts";
import { recordingMember } from "../_helpers/room_member.ts";
import { createLinkedShares } from "../_helpers/linked_shares.ts";

/** The room service's default presence tick. */
const TICK_MS = 50;

const member = recordingMember;

const publicOf = ({ user }: RoomMember): PublicUser => ({
  id: user.id,
  name: user.name,
  role: user.role,
});

Deno.test("joins within a presence tick reach each member as one merged presence frame", async () => {
  const kv = await Deno.openKv(":memory:");
  const clock = createVirtualClock(1_000);
  const cluster = await startTestCluster(kv, { clock, historyMax: 100 });
  const layer = roomLayerOnKv(kv, cluster, { clock, config: { maxTextChars: 100 } });
  try {
    const [first, second] = [member(0), member(1)];
    await layer.service.handle(first, { type: "join", room: "general" });
    // The first change after a quiet tick goes out at once, and opens the tick.
    await layer.service.handle(second, { type: "join", room: "general" });
    deepEqual(first.of("presence"), [
      { type: "presence", room: "general", joins: [publicOf(second)], leaves: [] },
    ]);

    const newcomers = Array.from({ length: 20 }, (_, index) => member(index + 2));
    for (const newcomer of newcomers) {
      await layer.service.handle(newcomer, { type: "join", room: "general" });
    }
    deepEqual(first.of("presence").length, 1, "nothing more before the tick ends");
    clock.advance(TICK_MS);

    const merged = {
      type: "presence",
      room: "general",
      joins: newcomers.map(publicOf),
      leaves: [],
    };
    deepEqual(first.of("presence"), [first.of("presence")[0], merged]);
    deepEqual(second.of("presence"), [merged]);
    for (const newcomer of newcomers) deepEqual(newcomer.of("presence"), [merged]);

    // A quiet tick later, a change goes out at once again.
    clock.advance(TICK_MS);
    await layer.service.handle(newcomers[0], { type: "leave", room: "general" });
    clock.advance(3_000);
    deepEqual(first.of("presence").at(-1), {
      type: "presence",
      room: "general",
      joins: [],
      leaves: [publicOf(newcomers[0])],
    });
    deepEqual(first.of("presence").length, 3);
  } finally {
    await layer.close();
    await cluster.close();
    kv.close();
  }
});

Deno.test("a join publishes that one user to the peers, not the whole room", () => {
  const clock = createVirtualClock();
  const linked = createLinkedShares(clock);
  const hereLink = linked.instance("here");
  const here = createPresence({ shares: presenceShares(hereLink), clock });
  const peer = createPresence({ shares: presenceShares(linked.instance("peer")), clock });
  try {
    const users = Array.from({ length: 100 }, (_, index) => publicOf(member(index)));
    for (const user of users) here.connect("general", user);
    deepEqual(
      hereLink.sent,
      users.map((user) => ({
        space: "presence",
        changes: [[`general ${user.id}`, { user, connections: 1 }]],
      })),
    );
    deepEqual(peer.page("general", { limit: 1_000 }).users, users);
  } finally {
    here.close();
    peer.close();
  }
});

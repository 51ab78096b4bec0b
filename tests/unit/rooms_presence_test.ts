import { deepEqual } from "node:assert/strict";
import {
  createPresence,
  type Presence,
  type PresenceChange,
  presenceShares,
} from "../../lib/server/presence/mod.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";
import { createLinkedShares, type LinkedInstance } from "../_helpers/linked_shares.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };
const bob = { id: "u-bob", name: "bob", role: "user" as const };

const TIMING = { leaveDelayMs: 2_000 };

function isolate(clock: VirtualClock, link: LinkedInstance) {
  const presence = createPresence({ shares: presenceShares(link), clock, ...TIMING });
  const changes: PresenceChange[] = [];
  presence.onChange((change) => changes.push(change));
  return { presence, changes };
}

function closeAll(...trackers: { presence: Presence }[]) {
  for (const { presence } of trackers) presence.close();
}

Deno.test("two tabs of one user are one entry; the last one leaves after the debounce", () => {
  const clock = createVirtualClock();
  const linked = createLinkedShares(clock);
  const here = isolate(clock, linked.instance("a"));
  try {
    here.presence.connect("general", ada);
    here.presence.connect("general", ada);
    deepEqual(here.presence.page("general", { limit: 1_000 }).users, [ada]);
    deepEqual(here.changes, [{ room: "general", joins: [ada], leaves: [] }]);

    here.presence.disconnect("general", ada);
    clock.advance(10_000);
    deepEqual(here.presence.page("general", { limit: 1_000 }).users, [ada]);
    deepEqual(here.changes.length, 1);

    here.presence.disconnect("general", ada);
    clock.advance(TIMING.leaveDelayMs - 1);
    deepEqual(here.changes.length, 1);
    clock.advance(1);
    deepEqual(here.changes.at(-1), { room: "general", joins: [], leaves: [ada] });
    deepEqual(here.presence.page("general", { limit: 1_000 }).users, []);
  } finally {
    closeAll(here);
  }
});

Deno.test("a reload within the debounce neither leaves nor joins again", () => {
  const clock = createVirtualClock();
  const linked = createLinkedShares(clock);
  const here = isolate(clock, linked.instance("a"));
  try {
    here.presence.connect("general", ada);
    here.presence.disconnect("general", ada);
    clock.advance(TIMING.leaveDelayMs / 2);
    here.presence.connect("general", ada);
    clock.advance(10_000);
    deepEqual(here.changes, [{ room: "general", joins: [ada], leaves: [] }]);
    deepEqual(here.presence.page("general", { limit: 1_000 }).users, [ada]);
  } finally {
    closeAll(here);
  }
});

Deno.test("connections on two isolates add up, and moving between them does not flicker", () => {
  const clock = createVirtualClock();
  const linked = createLinkedShares(clock);
  const [a, b] = [isolate(clock, linked.instance("a")), isolate(clock, linked.instance("b"))];
  try {
    a.presence.connect("general", ada);
    b.presence.connect("general", ada);
    b.presence.connect("general", bob);
    for (const tracker of [a, b]) {
      deepEqual(tracker.presence.page("general", { limit: 1_000 }).users, [ada, bob]);
    }

    // Ada's tab on A reloads onto B: she is still online everywhere, no leave.
    a.presence.disconnect("general", ada);
    clock.advance(10_000);
    deepEqual(a.presence.page("general", { limit: 1_000 }).users, [ada, bob]);
    deepEqual(a.changes.flatMap((change) => change.leaves), []);

    b.presence.disconnect("general", ada);
    clock.advance(TIMING.leaveDelayMs);
    for (const tracker of [a, b]) {
      deepEqual(tracker.presence.page("general", { limit: 1_000 }).users, [bob]);
      deepEqual(tracker.changes.at(-1), { room: "general", joins: [], leaves: [ada] });
    }
  } finally {
    closeAll(a, b);
  }
});

Deno.test("the users of an instance that dies silently leave once the cluster says it is gone", () => {
  const clock = createVirtualClock();
  const linked = createLinkedShares(clock);
  const a = isolate(clock, linked.instance("a"));
  const doomedLink = linked.instance("doomed");
  const doomed = isolate(clock, doomedLink);
  try {
    doomed.presence.connect("general", bob);
    deepEqual(a.presence.page("general", { limit: 1_000 }).users, [bob]);
    doomedLink.sever();
    clock.advance(60_000);
    deepEqual(
      a.presence.page("general", { limit: 1_000 }).users,
      [bob],
      "counted while its heartbeat counts",
    );

    linked.expire("doomed");
    clock.advance(TIMING.leaveDelayMs - 1);
    deepEqual(a.changes.flatMap((change) => change.leaves), []);
    clock.advance(1);
    deepEqual(a.changes.at(-1), { room: "general", joins: [], leaves: [bob] });
    deepEqual(a.presence.page("general", { limit: 1_000 }).users, []);
  } finally {
    closeAll(a, doomed);
  }
});

Deno.test("a new instance learns who is online at once; one that says goodbye leaves", () => {
  const clock = createVirtualClock();
  const linked = createLinkedShares(clock);
  const a = isolate(clock, linked.instance("a"));
  try {
    a.presence.connect("general", ada);
    const lateLink = linked.instance("late");
    const late = isolate(clock, lateLink);
    deepEqual(late.presence.page("general", { limit: 1_000 }).users, [ada]);
    late.presence.connect("general", bob);
    deepEqual(a.presence.page("general", { limit: 1_000 }).users, [ada, bob]);

    late.presence.close();
    lateLink.goodbye();
    clock.advance(TIMING.leaveDelayMs);
    deepEqual(a.presence.page("general", { limit: 1_000 }).users, [ada]);
  } finally {
    closeAll(a);
  }
});

Deno.test("a user's count is published once a second at most, as its latest value", () => {
  const clock = createVirtualClock();
  const linked = createLinkedShares(clock);
  const hereLink = linked.instance("here");
  const here = isolate(clock, hereLink);
  const peer = isolate(clock, linked.instance("peer"));
  try {
    // A page reloaded five times within a second: five disconnects and connects.
    here.presence.connect("general", ada);
    for (let reload = 0; reload < 5; reload++) {
      here.presence.disconnect("general", ada);
      here.presence.connect("general", ada);
    }
    deepEqual(hereLink.sent.length, 1, "the first change goes out at once, the rest wait");
    clock.advance(1_000);
    deepEqual(hereLink.sent.length, 2);
    deepEqual(hereLink.sent[1].changes, [["general u-ada", { user: ada, connections: 1 }]]);
    deepEqual(peer.presence.page("general", { limit: 1_000 }).users, [ada]);
    deepEqual(peer.changes, [{ room: "general", joins: [ada], leaves: [] }]);
  } finally {
    closeAll(here, peer);
  }
});

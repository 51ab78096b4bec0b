/**
 * Membership news (`membership_events.ts`): memberships of a room that began
 * in one turn go out as one `members_joined` event (at most 100 users each),
 * every other room's as its own; an ended one goes out at once, alone.
 */
import { deepEqual } from "node:assert/strict";
import { createEventBus } from "../../lib/server/bus/mod.ts";
import { createMembershipEvents } from "../../lib/server/rooms/membership_events.ts";

/** An event bus over a channel that records what was emitted. */
function recordingEvents() {
  const emitted: { topic: string; data: unknown }[] = [];
  const events = createEventBus({
    emit: (topic, data) => void emitted.push({ topic, data }),
    sendTo: () => {},
    on: () => () => {},
  });
  return { emitted, events };
}

const ids = (count: number, from = 0) =>
  Array.from({ length: count }, (_, index) => `user:u${from + index}`);

Deno.test("memberships begun in one turn are one event per room, 100 users at most", async () => {
  const { emitted, events } = recordingEvents();
  const notices = createMembershipEvents(events);
  for (const id of ids(150)) notices.changed(id, "lobby", true, "joined");
  notices.changed("user:ada", "team", true, "joined");
  deepEqual(emitted, [], "nothing before the turn ends");
  await Promise.resolve();
  deepEqual(emitted, [
    { topic: "members_joined", data: { room: "lobby", user_ids: ids(100) } },
    { topic: "members_joined", data: { room: "lobby", user_ids: ids(50, 100) } },
    { topic: "members_joined", data: { room: "team", user_ids: ["user:ada"] } },
  ]);

  notices.changed("user:bob", "lobby", true, "joined");
  await Promise.resolve();
  deepEqual(emitted.at(-1), {
    topic: "members_joined",
    data: { room: "lobby", user_ids: ["user:bob"] },
  }, "a later turn's member is announced on its own");
});

Deno.test("an ended membership is announced at once, as before", () => {
  const { emitted, events } = recordingEvents();
  const notices = createMembershipEvents(events);
  notices.changed("user:bob", "lobby", false, "removed");
  deepEqual(emitted, [{
    topic: "membership_changed",
    data: { user_id: "user:bob", room: "lobby", joined: false, reason: "removed" },
  }]);
});

import { deepEqual } from "node:assert/strict";
import {
  createPresence,
  type Presence,
  type PresenceChange,
} from "../../lib/server/presence/mod.ts";
import { createEventBus, type EventChannel } from "../../lib/server/bus/mod.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };
const bob = { id: "u-bob", name: "bob", role: "user" as const };

/**
 * Isolates joined like a bus joins them: an event reaches every endpoint, the
 * sender's included, at once. `sever` cuts an endpoint off without a word, as a
 * crashed isolate goes.
 */
function createLinkedIsolates() {
  const endpoints = new Set<Map<string, Set<(data: unknown) => void>>>();
  const link = (): EventChannel & { sever(): void } => {
    const topics = new Map<string, Set<(data: unknown) => void>>();
    endpoints.add(topics);
    return {
      emit(topic, data) {
        if (!endpoints.has(topics)) return;
        for (const endpoint of endpoints) {
          endpoint.get(topic)?.forEach((listener) => listener(data));
        }
      },
      on(topic, listener) {
        const listeners = topics.get(topic) ?? new Set();
        topics.set(topic, listeners);
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      sever: () => void endpoints.delete(topics),
    };
  };
  return { link };
}

const TIMING = { announceMs: 1_000, expiryMs: 3_000, leaveDelayMs: 2_000 };

function isolate(clock: VirtualClock, link: EventChannel, name: string) {
  const presence = createPresence({
    events: createEventBus(link),
    clock,
    isolate: name,
    ...TIMING,
  });
  const changes: PresenceChange[] = [];
  presence.onChange((change) => changes.push(change));
  return { presence, changes };
}

function closeAll(...trackers: { presence: Presence }[]) {
  for (const { presence } of trackers) presence.close();
}

Deno.test("two tabs of one user are one entry; the last one leaves after the debounce", () => {
  const clock = createVirtualClock();
  const { link } = createLinkedIsolates();
  const here = isolate(clock, link(), "a");
  try {
    here.presence.connect("general", ada);
    here.presence.connect("general", ada);
    deepEqual(here.presence.list("general"), [ada]);
    deepEqual(here.changes, [{ room: "general", joins: [ada], leaves: [] }]);

    here.presence.disconnect("general", ada);
    clock.advance(10_000);
    deepEqual(here.presence.list("general"), [ada]);
    deepEqual(here.changes.length, 1);

    here.presence.disconnect("general", ada);
    clock.advance(TIMING.leaveDelayMs - 1);
    deepEqual(here.changes.length, 1);
    clock.advance(1);
    deepEqual(here.changes.at(-1), { room: "general", joins: [], leaves: [ada] });
    deepEqual(here.presence.list("general"), []);
  } finally {
    closeAll(here);
  }
});

Deno.test("a reload within the debounce neither leaves nor joins again", () => {
  const clock = createVirtualClock();
  const { link } = createLinkedIsolates();
  const here = isolate(clock, link(), "a");
  try {
    here.presence.connect("general", ada);
    here.presence.disconnect("general", ada);
    clock.advance(TIMING.leaveDelayMs / 2);
    here.presence.connect("general", ada);
    clock.advance(10_000);
    deepEqual(here.changes, [{ room: "general", joins: [ada], leaves: [] }]);
    deepEqual(here.presence.list("general"), [ada]);
  } finally {
    closeAll(here);
  }
});

Deno.test("connections on two isolates add up, and moving between them does not flicker", () => {
  const clock = createVirtualClock();
  const { link } = createLinkedIsolates();
  const [a, b] = [isolate(clock, link(), "a"), isolate(clock, link(), "b")];
  try {
    a.presence.connect("general", ada);
    b.presence.connect("general", ada);
    b.presence.connect("general", bob);
    for (const tracker of [a, b]) deepEqual(tracker.presence.list("general"), [ada, bob]);

    // Ada's tab on A reloads onto B: she is still online everywhere, no leave.
    a.presence.disconnect("general", ada);
    clock.advance(10_000);
    deepEqual(a.presence.list("general"), [ada, bob]);
    deepEqual(a.changes.flatMap((change) => change.leaves), []);

    b.presence.disconnect("general", ada);
    clock.advance(TIMING.leaveDelayMs);
    for (const tracker of [a, b]) {
      deepEqual(tracker.presence.list("general"), [bob]);
      deepEqual(tracker.changes.at(-1), { room: "general", joins: [], leaves: [ada] });
    }
  } finally {
    closeAll(a, b);
  }
});

Deno.test("the users of an isolate that dies silently leave once its share expires", () => {
  const clock = createVirtualClock();
  const { link } = createLinkedIsolates();
  const a = isolate(clock, link(), "a");
  const doomedLink = link();
  const doomed = isolate(clock, doomedLink, "doomed");
  try {
    doomed.presence.connect("general", bob);
    deepEqual(a.presence.list("general"), [bob]);
    clock.advance(10_000);
    deepEqual(a.presence.list("general"), [bob], "announcements keep the share alive");

    doomedLink.sever();
    clock.advance(TIMING.expiryMs - 1);
    deepEqual(a.changes.flatMap((change) => change.leaves), []);
    // Expiry is seen at the next sweep (at most announceMs later), then the debounce runs.
    clock.advance(TIMING.announceMs + TIMING.leaveDelayMs);
    deepEqual(a.changes.at(-1), { room: "general", joins: [], leaves: [bob] });
    deepEqual(a.presence.list("general"), []);
  } finally {
    closeAll(a, doomed);
  }
});

Deno.test("a new isolate learns who is online at once; a closing one says goodbye", () => {
  const clock = createVirtualClock();
  const { link } = createLinkedIsolates();
  const a = isolate(clock, link(), "a");
  try {
    a.presence.connect("general", ada);
    const late = isolate(clock, link(), "late");
    deepEqual(late.presence.list("general"), [ada]);
    late.presence.connect("general", bob);
    deepEqual(a.presence.list("general"), [ada, bob]);

    late.presence.close();
    clock.advance(TIMING.leaveDelayMs);
    deepEqual(a.presence.list("general"), [ada]);
  } finally {
    closeAll(a);
  }
});

Deno.test("malformed announcements are ignored", () => {
  const clock = createVirtualClock();
  const { link } = createLinkedIsolates();
  const shared = link();
  const a = isolate(clock, shared, "a");
  try {
    shared.emit("presence", { kind: "share", isolate: "x", room: "general", users: [{ id: 1 }] });
    shared.emit("presence", "nonsense");
    deepEqual(a.presence.list("general"), []);
    deepEqual(a.changes, []);
  } finally {
    closeAll(a);
  }
});

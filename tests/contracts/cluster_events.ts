/**
 * The contract of a cluster engine's events: broadcasts reach every instance
 * (the sender's own listeners at once), each sender's reliable events in the
 * order sent, and directed events their addressee alone, whole, whatever
 * their size.
 *
 * @example
 * ```ts
 * clusterEventsContract("kv", setupKvFixture);
 * ```
 */
import { deepEqual, equal } from "node:assert/strict";
import type { TopicEvent } from "../../lib/server/bus/mod.ts";
import type { Cluster } from "../../lib/server/cluster/mod.ts";
import { type ClusterFixture, clusterTest, DEADLINE_MS, when, within } from "./cluster_fixture.ts";

/** Collects the `room_closed` rooms an instance hears; `reached(n)` resolves at n. */
function hearClosings(cluster: Cluster) {
  const rooms: string[] = [];
  const listeners = new Set<() => void>();
  cluster.events.on("room_closed", ({ room }) => {
    rooms.push(room);
    listeners.forEach((listener) => listener());
  });
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const reached = (count: number) =>
    within(DEADLINE_MS, `${count} events`, when(subscribe, () => rooms.length >= count));
  return { rooms, reached };
}

/** Collects the directed answers an instance hears. */
function hearAnswers(cluster: Cluster) {
  const heard: TopicEvent<"fallback.post.delivered">[] = [];
  const listeners = new Set<() => void>();
  cluster.events.on("fallback.post.delivered", (event) => {
    heard.push(event);
    listeners.forEach((listener) => listener());
  });
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const heardId = (id: string) =>
    within(DEADLINE_MS, `answer ${id}`, when(subscribe, () => heard.some((e) => e.id === id)));
  return { heard, heardId };
}

/** Registers the events contract's tests for one engine. */
export function clusterEventsContract(engine: string, setup: () => Promise<ClusterFixture>) {
  const test = clusterTest("cluster events", engine, setup);

  test("a broadcast reaches every instance once, in order, and the sender's at once", async (start) => {
    const [a, b, c] = [await start(), await start(), await start()];
    const [onA, onB, onC] = [hearClosings(a), hearClosings(b), hearClosings(c)];
    a.events.emit("room_closed", { room: "r0" });
    deepEqual(onA.rooms, ["r0"], "the sender hears its own event synchronously");
    for (let index = 1; index < 20; index++) a.events.emit("room_closed", { room: `r${index}` });
    await Promise.all([onB.reached(20), onC.reached(20)]);
    const expected = Array.from({ length: 20 }, (_, index) => `r${index}`);
    for (const heard of [onA, onB, onC]) deepEqual(heard.rooms, expected);
  });

  test("each sender's events keep their order, however senders interleave", async (start) => {
    const [a, b, c] = [await start(), await start(), await start()];
    const onC = hearClosings(c);
    for (let index = 0; index < 30; index++) {
      a.events.emit("room_closed", { room: `a${index}` });
      b.events.emit("room_closed", { room: `b${index}` });
    }
    await onC.reached(60);
    const from = (prefix: string) => onC.rooms.filter((room) => room.startsWith(prefix));
    deepEqual(from("a"), Array.from({ length: 30 }, (_, index) => `a${index}`));
    deepEqual(from("b"), Array.from({ length: 30 }, (_, index) => `b${index}`));
  });

  test("a directed event reaches its addressee alone", async (start) => {
    const [a, b, c] = [await start(), await start(), await start()];
    const [onA, onB, onC] = [hearAnswers(a), hearAnswers(b), hearAnswers(c)];
    a.events.sendTo(b.instance, "fallback.post.delivered", { id: "to-b", delivery: "accepted" });
    await onB.heardId("to-b");
    // A later event to C: had the first reached C, it would have come first.
    a.events.sendTo(c.instance, "fallback.post.delivered", { id: "to-c", delivery: "closing" });
    await onC.heardId("to-c");
    deepEqual(onB.heard.map((event) => event.id), ["to-b"]);
    deepEqual(onC.heard.map((event) => event.id), ["to-c"]);
    deepEqual(onA.heard, []);
  });

  test("a directed event to this instance is heard at once", async (start) => {
    const a = await start();
    const onA = hearAnswers(a);
    a.events.sendTo(a.instance, "fallback.post.delivered", { id: "self", delivery: "accepted" });
    deepEqual(onA.heard.map((event) => event.id), ["self"]);
  });

  test("a directed event larger than a KV value arrives whole", async (start) => {
    const [a, b] = [await start(), await start()];
    const body = JSON.stringify(
      Array.from({ length: 20 }, (_, index) => ({ text: `${index}`.padEnd(30_000, "é") })),
    );
    const heard = Promise.withResolvers<TopicEvent<"fallback.post">>();
    b.events.on("fallback.post", (event) => heard.resolve(event));
    a.events.sendTo(b.instance, "fallback.post", {
      id: "big",
      from: a.instance,
      session: `${b.instance}.s`,
      user: "user:ada",
      body,
    });
    const event = await within(DEADLINE_MS, "the large event", heard.promise);
    equal(event.body?.length, body.length);
    equal(event.body, body);
  });
}

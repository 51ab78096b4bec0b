import { deepEqual, equal } from "node:assert/strict";
import type { Message } from "../../lib/protocol/mod.ts";
import { type Bus, createBus, createEventBus, type TopicEvent } from "../../lib/server/bus/mod.ts";
import { createMessageStore, type MessageStore } from "../../lib/server/store/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };

function storeOf(kv: Deno.Kv) {
  return createMessageStore(kv, { historyMax: 1_000, clock: createSystemClock() });
}

/** Collects a room's deliveries on a bus; `reached(n)` resolves once n arrived. */
function collect(bus: Bus, room: string) {
  const seqs: number[] = [];
  const frames: string[] = [];
  let waiter: { count: number; resolve(): void } | undefined;
  const unsubscribe = bus.subscribe(room, (message: Message, json: string) => {
    seqs.push(message.seq);
    frames.push(json);
    if (waiter && seqs.length >= waiter.count) waiter.resolve();
  });
  const reached = (count: number) =>
    new Promise<void>((resolve) => {
      if (seqs.length >= count) resolve();
      else waiter = { count, resolve };
    });
  return { seqs, frames, reached, unsubscribe };
}

async function commitAndPublish(store: MessageStore, bus: Bus, count: number, prefix: string) {
  await Promise.all(Array.from({ length: count }, async (_, index) => {
    const result = await store.commit({
      room: "general",
      user: ada,
      text: `${prefix} ${index}`,
      cid: `${prefix}-${index}`,
    });
    if (result.created) bus.publish(result.message);
  }));
}

function range(from: number, through: number) {
  return Array.from({ length: through - from + 1 }, (_, index) => from + index);
}

Deno.test("two buses on one channel namespace deliver each seq once, in order", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = storeOf(kv);
  const namespace = `bus-test-${crypto.randomUUID()}`;
  const [left, right] = [
    createBus({ namespace, log: store }),
    createBus({ namespace, log: store }),
  ];
  try {
    const here = collect(left, "general");
    const there = collect(right, "general");
    await Promise.all([left.idle(), right.idle()]);
    // Both isolates commit: each hears its own directly and the other's over the channel.
    await Promise.all([
      commitAndPublish(store, left, 25, "left"),
      commitAndPublish(store, right, 25, "right"),
    ]);
    await Promise.all([here.reached(50), there.reached(50)]);
    await Promise.all([left.idle(), right.idle()]);
    deepEqual(here.seqs, range(1, 50));
    deepEqual(there.seqs, range(1, 50));
    const first = JSON.parse(here.frames[0]);
    equal(first.type, "message");
    equal(first.seq, 1);
    here.unsubscribe();
    there.unsubscribe();
  } finally {
    await Promise.all([left.close(), right.close()]);
    kv.close();
  }
});

Deno.test("an event sent to one bus is heard there alone", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = storeOf(kv);
  const namespace = `to-${crypto.randomUUID()}`;
  const [sender, addressee, bystander] = ["s", "a", "b"].map((instance) =>
    createBus({ namespace, log: store, instance })
  );
  const heardBy = (bus: Bus) => {
    const heard: unknown[] = [];
    bus.on("typing", (data) => heard.push(data));
    return heard;
  };
  try {
    const [bySender, byAddressee, byBystander] = [sender, addressee, bystander].map(heardBy);
    const fence = Promise.withResolvers<void>();
    bystander.on("room_closed", () => fence.resolve());
    const delivered = Promise.withResolvers<void>();
    addressee.on("typing", () => delivered.resolve());
    sender.sendTo("a", "typing", { to: "a" });
    sender.sendTo("s", "typing", { to: "s" });
    // Posted after the first: were it heard by the bystander, it would have been heard first.
    sender.emit("room_closed", { room: "fence" });
    await Promise.all([fence.promise, delivered.promise]);
    deepEqual(byAddressee, [{ to: "a" }]);
    deepEqual(bySender, [{ to: "s" }], "to itself: heard here, synchronously");
    deepEqual(byBystander, []);
  } finally {
    await Promise.all([sender, addressee, bystander].map((bus) => bus.close()));
    kv.close();
  }
});

Deno.test("events reach every bus of the namespace, this one included, and no other", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = storeOf(kv);
  const [one, two] = [`one-${crypto.randomUUID()}`, `two-${crypto.randomUUID()}`];
  const sender = createBus({ namespace: one, log: store });
  const sibling = createBus({ namespace: one, log: store });
  const stranger = createBus({ namespace: two, log: store });
  const strangersSibling = createBus({ namespace: two, log: store });
  const heardBy = (bus: Bus) => {
    const heard: unknown[] = [];
    const first = new Promise<void>((resolve) =>
      bus.on("typing", (data) => {
        heard.push(data);
        resolve();
      })
    );
    return { heard, first };
  };
  try {
    const [bySender, bySibling, byStranger] = [
      heardBy(sender),
      heardBy(sibling),
      heardBy(stranger),
    ];
    sender.emit("typing", { room: "general", user: ada });
    await bySibling.first;
    // Sent after the first event was delivered: if namespaces leaked, it would arrive first.
    strangersSibling.emit("typing", { room: "elsewhere" });
    await byStranger.first;
    deepEqual(bySender.heard, [{ room: "general", user: ada }]);
    deepEqual(bySibling.heard, [{ room: "general", user: ada }]);
    deepEqual(byStranger.heard, [{ room: "elsewhere" }]);
  } finally {
    await Promise.all([sender, sibling, stranger, strangersSibling].map((bus) => bus.close()));
    kv.close();
  }
});

Deno.test("typed events: a listener hears only payloads its topic's schema takes, from any isolate", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = storeOf(kv);
  const namespace = `typed-${crypto.randomUUID()}`;
  const sender = createBus({ namespace, log: store });
  const receiver = createBus({ namespace, log: store });
  const events = createEventBus(receiver);
  try {
    const heard: TopicEvent<"room_closed">[] = [];
    const last = Promise.withResolvers<void>();
    events.on("room_closed", (event) => {
      heard.push(event);
      if (event.room === "last") last.resolve();
    });
    // Another isolate (another version, or a bug) sends what the schema refuses: not heard.
    sender.emit("room_closed", { name: "random" });
    sender.emit("room_closed", { room: "Not A Room" });
    sender.emit("room_closed", "random");
    createEventBus(sender).emit("room_closed", { room: "random" });
    sender.emit("room_closed", { room: "last" });
    await last.promise;
    deepEqual(heard, [{ room: "random" }, { room: "last" }]);
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
    kv.close();
  }
});

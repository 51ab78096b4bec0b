import { deepEqual, equal, ok } from "node:assert/strict";
import type {
  PublicUser,
  ServerFrame,
  ServerFrameOf,
  SessionUser,
} from "../../lib/protocol/mod.ts";
import { type RoomLayer, type RoomMember } from "../../lib/server/rooms/mod.ts";
import { type Cluster, createCluster, newInstanceId } from "../../lib/server/cluster/mod.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";
import { roomLayerOnKv, startTestCluster } from "../_helpers/cluster.ts";

const ada: SessionUser = { id: "u-ada", name: "ada", role: "user" };
const bob: SessionUser = { id: "u-bob", name: "bob", role: "user" };
const publicOf = ({ id, name, role }: SessionUser): PublicUser => ({ id, name, role });

/** A connection as the hub would hand it over, recording every frame it is sent. */
function connect(session: string, user: SessionUser) {
  const frames: ServerFrame[] = [];
  const waiters: { test(): boolean; resolve(): void }[] = [];
  const member: RoomMember & {
    frames: ServerFrame[];
    of<T extends ServerFrame["type"]>(type: T): ServerFrameOf<T>[];
    waitFor<T extends ServerFrame["type"]>(type: T, count: number): Promise<ServerFrameOf<T>[]>;
  } = {
    session,
    user,
    rooms: new Set(),
    frames,
    sendText(text) {
      frames.push(JSON.parse(text));
      for (const waiter of [...waiters]) {
        if (waiter.test()) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    },
    of: <T extends ServerFrame["type"]>(type: T) =>
      frames.filter((frame) => frame.type === type) as ServerFrameOf<T>[],
    async waitFor(type, count) {
      const test = () => member.of(type).length >= count;
      if (!test()) await new Promise<void>((resolve) => waiters.push({ test, resolve }));
      return member.of(type);
    },
  };
  return member;
}

interface Isolate {
  layer: RoomLayer;
  clock: VirtualClock;
  cluster: Cluster;
  close(): Promise<void>;
}

const TEST_CONFIG = { maxTextChars: 20 };

async function isolateOn(
  kv: Deno.Kv,
  namespace: string,
  { clock = createVirtualClock(1_000), historyMax = 10_000 } = {},
): Promise<Isolate> {
  const cluster = await startTestCluster(kv, { clock, namespace, historyMax });
  const layer = roomLayerOnKv(kv, cluster, { clock, config: TEST_CONFIG });
  return {
    layer,
    clock,
    cluster,
    async close() {
      await layer.close();
      await cluster.close();
    },
  };
}

async function withIsolate(test: (isolate: Isolate, kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  const isolate = await isolateOn(kv, `rooms-${crypto.randomUUID()}`);
  try {
    await test(isolate, kv);
  } finally {
    await isolate.close();
    kv.close();
  }
}

function range(from: number, through: number) {
  return Array.from({ length: through - from + 1 }, (_, index) => from + index);
}

Deno.test("two members exchange messages with consecutive seqs; history is complete", async () => {
  await withIsolate(async ({ layer: { service } }) => {
    const [adasTab, bobsTab] = [connect("s-ada", ada), connect("s-bob", bob)];
    await service.handle(adasTab, { type: "join", room: "general", ref: "j1" });
    deepEqual(adasTab.of("joined"), [{
      type: "joined",
      room: "general",
      head: 0,
      recovered: true,
      messages: [],
      presence: [publicOf(ada)],
      visibility: "public",
      room_role: "member",
      read_seq: 0,
      unread: 0,
      ref: "j1",
    }]);
    await service.handle(bobsTab, { type: "join", room: "general" });
    deepEqual(bobsTab.of("joined")[0].presence, [publicOf(ada), publicOf(bob)]);
    deepEqual(adasTab.of("presence"), [
      { type: "presence", room: "general", joins: [publicOf(bob)], leaves: [] },
    ]);

    for (let index = 0; index < 6; index++) {
      const from = index % 2 ? bobsTab : adasTab;
      await service.handle(from, {
        type: "send",
        room: "general",
        text: `hi ${index}`,
        cid: `c${index}`,
      });
      equal(from.of("ack").at(-1)?.seq, index + 1);
    }
    for (const tab of [adasTab, bobsTab]) {
      const messages = await tab.waitFor("message", 6);
      deepEqual(messages.map((message) => message.seq), range(1, 6));
      deepEqual(
        messages.map((message) => message.user),
        [ada, bob, ada, bob, ada, bob].map(publicOf),
      );
    }

    await service.handle(bobsTab, {
      type: "history",
      room: "general",
      before: 5,
      limit: 3,
      ref: "h",
    });
    const [page] = bobsTab.of("history");
    deepEqual(page.messages.map((message) => message.seq), [2, 3, 4]);
    deepEqual({ more: page.more, ref: page.ref }, { more: true, ref: "h" });
  });
});

Deno.test("only joined members send; the author is the connection's user; text is bounded", async () => {
  await withIsolate(async ({ layer: { service, store } }) => {
    const tab = connect("s-ada", ada);
    await service.handle(tab, { type: "send", room: "general", text: "hi", cid: "c1", ref: "r1" });
    await service.handle(tab, { type: "typing", room: "general", ref: "r2" });
    deepEqual(tab.of("error").map(({ code, ref }) => ({ code, ref })), [
      { code: "not_joined", ref: "r1" },
      { code: "not_joined", ref: "r2" },
    ]);

    await service.handle(tab, { type: "join", room: "general" });
    await service.handle(tab, { type: "send", room: "general", text: "x".repeat(21), cid: "c2" });
    equal(tab.of("error").at(-1)?.code, "too_large");
    // Twenty characters, though more UTF-16 units: within the limit.
    const forged = { type: "send", room: "general", text: "😀".repeat(20), cid: "c3", user: bob };
    await service.handle(tab, forged as Parameters<typeof service.handle>[1]);
    equal(tab.of("ack").length, 1);
    const [message] = (await store.since("general", 0)).messages;
    deepEqual(message.user, publicOf(ada));
    equal(await store.head("general"), 1);

    await service.handle(tab, { type: "leave", room: "general", ref: "l" });
    deepEqual(tab.of("left"), [{ type: "left", room: "general", ref: "l" }]);
    await service.handle(tab, { type: "send", room: "general", text: "late", cid: "c4" });
    equal(tab.of("error").at(-1)?.code, "not_joined");
  });
});

Deno.test("the same cid three times: one message, three identical acks", async () => {
  await withIsolate(async ({ layer: { service } }) => {
    const [sender, watcher] = [connect("s-ada", ada), connect("s-bob", bob)];
    await service.handle(sender, { type: "join", room: "general" });
    await service.handle(watcher, { type: "join", room: "general" });
    const frame = { type: "send", room: "general", text: "once", cid: "same" } as const;
    await Promise.all([service.handle(sender, frame), service.handle(sender, frame)]);
    await service.handle(sender, frame);
    const acks = sender.of("ack");
    equal(acks.length, 3);
    deepEqual(acks[1], acks[0]);
    deepEqual(acks[2], acks[0]);
    // A later message proves the first was fanned out once and only once.
    await service.handle(sender, { type: "send", room: "general", text: "next", cid: "other" });
    const seen = await watcher.waitFor("message", 2);
    deepEqual(seen.map((message) => message.text), ["once", "next"]);
  });
});

Deno.test("typing reaches the others in the room, not the sender, rate-limited", async () => {
  await withIsolate(async ({ layer: { service }, clock }) => {
    const [typist, otherTab, reader] = [
      connect("s-ada", ada),
      connect("s-ada-2", ada),
      connect("s-bob", bob),
    ];
    for (const tab of [typist, otherTab, reader]) {
      await service.handle(tab, { type: "join", room: "general" });
    }
    await service.handle(typist, { type: "typing", room: "general" });
    await service.handle(typist, { type: "typing", room: "general" });
    clock.advance(1_000);
    await service.handle(typist, { type: "typing", room: "general" });
    deepEqual(reader.of("typing"), [
      { type: "typing", room: "general", user: publicOf(ada) },
      { type: "typing", room: "general", user: publicOf(ada) },
    ]);
    deepEqual([typist.of("typing"), otherTab.of("typing")], [[], []]);
  });
});

Deno.test("presence: two tabs are one entry; the last tab leaves after the debounce", async () => {
  await withIsolate(async ({ layer: { service }, clock }) => {
    const [tab1, tab2, watcher] = [connect("s1", ada), connect("s2", ada), connect("s3", bob)];
    await service.handle(watcher, { type: "join", room: "general" });
    await service.handle(tab1, { type: "join", room: "general" });
    await service.handle(tab2, { type: "join", room: "general" });
    deepEqual(tab2.of("joined")[0].presence, [publicOf(ada), publicOf(bob)]);
    equal(watcher.of("presence").length, 1);
    deepEqual(
      (await service.listRooms({ limit: 100 })).rooms.map(({ room, online }) => ({ room, online })),
      [{ room: "general", online: 2 }],
    );

    await service.disconnect(tab1);
    clock.advance(60_000);
    equal(watcher.of("presence").length, 1);

    await service.disconnect(tab2);
    clock.advance(2_999);
    equal(watcher.of("presence").length, 1);
    clock.advance(1);
    deepEqual(watcher.of("presence").at(-1), {
      type: "presence",
      room: "general",
      joins: [],
      leaves: [publicOf(ada)],
    });
    deepEqual(
      (await service.listRooms({ limit: 100 })).rooms.map(({ room, online }) => ({ room, online })),
      [{ room: "general", online: 1 }],
    );
  });
});

Deno.test("a rejoin with since after a restart on the same KV file replays exactly the missed 100", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_service_" });
  const path = `${dir}/kv`;
  const namespace = `restart-${crypto.randomUUID()}`;
  let kv = await Deno.openKv(path);
  let isolate = await isolateOn(kv, namespace);
  try {
    const [reader, writer] = [connect("s-ada", ada), connect("s-bob", bob)];
    await isolate.layer.service.handle(reader, { type: "join", room: "general" });
    await isolate.layer.service.handle(writer, { type: "join", room: "general" });
    for (let index = 0; index < 5; index++) {
      await isolate.layer.service.handle(writer, {
        type: "send",
        room: "general",
        text: `before ${index}`,
        cid: `b${index}`,
      });
    }
    const held = (await reader.waitFor("message", 5)).at(-1)!.seq;
    await isolate.layer.service.disconnect(reader);
    await Promise.all(
      range(1, 100).map((index) =>
        isolate.layer.service.handle(writer, {
          type: "send",
          room: "general",
          text: `missed ${index}`,
          cid: `m${index}`,
        })
      ),
    );
    equal(writer.of("ack").length, 105);
    await isolate.close();
    kv.close();

    kv = await Deno.openKv(path);
    isolate = await isolateOn(kv, namespace);
    const back = connect("s-ada-again", ada);
    await isolate.layer.service.handle(back, { type: "join", room: "general", since: held });
    const [joined] = back.of("joined");
    equal(joined.recovered, true);
    equal(joined.head, 105);
    deepEqual(joined.messages.map((message) => message.seq), range(6, 105));
    deepEqual(
      joined.messages.map((message) => message.text).sort(),
      range(1, 100).map((index) => `missed ${index}`).sort(),
    );
  } finally {
    await isolate.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a gap beyond retention gives recovered: false and the newest page", async () => {
  const kv = await Deno.openKv(":memory:");
  const { layer, close } = await isolateOn(kv, `gap-${crypto.randomUUID()}`, { historyMax: 10 });
  try {
    const writer = connect("s-bob", bob);
    await layer.service.handle(writer, { type: "join", room: "general" });
    for (let index = 1; index <= 30; index++) {
      await layer.service.handle(writer, {
        type: "send",
        room: "general",
        text: `${index}`,
        cid: `${index}`,
      });
    }
    const reader = connect("s-ada", ada);
    await layer.service.handle(reader, { type: "join", room: "general", since: 3 });
    const [joined] = reader.of("joined");
    deepEqual(
      { recovered: joined.recovered, head: joined.head, seqs: joined.messages.map((m) => m.seq) },
      { recovered: false, head: 30, seqs: range(21, 30) },
    );
  } finally {
    await close();
    kv.close();
  }
});

Deno.test("two isolates on one KV: concurrent senders, every member sees every seq once, in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_service_" });
  const [kvA, kvB] = [await Deno.openKv(`${dir}/kv`), await Deno.openKv(`${dir}/kv`)];
  const namespace = `pair-${crypto.randomUUID()}`;
  const [a, b] = [await isolateOn(kvA, namespace), await isolateOn(kvB, namespace)];
  try {
    const onA = [connect("a1", ada), connect("a2", bob)];
    const onB = [connect("b1", ada), connect("b2", bob)];
    for (const tab of onA) await a.layer.service.handle(tab, { type: "join", room: "general" });
    for (const tab of onB) await b.layer.service.handle(tab, { type: "join", room: "general" });
    await Promise.all(
      range(1, 60).map((index) => {
        // Odd indexes send on isolate A, even ones on B, alternating between the two users.
        const [isolate, tabs] = index % 2 ? [a, onA] : [b, onB];
        const tab = tabs[Math.floor(index / 2) % 2];
        return isolate.layer.service.handle(tab, {
          type: "send",
          room: "general",
          text: `${index}`,
          cid: `c${index}`,
        });
      }),
    );
    const acked = [...onA, ...onB].flatMap((tab) => tab.of("ack").map((ack) => ack.seq));
    deepEqual(acked.sort((x, y) => x - y), range(1, 60));
    for (const tab of [...onA, ...onB]) {
      const messages = await tab.waitFor("message", 60);
      deepEqual(messages.map((message) => message.seq), range(1, 60));
    }
    deepEqual(
      (await a.layer.service.listRooms({ limit: 100 })).rooms.map(({ name, members }) => ({
        name,
        members,
      })),
      [{ name: "general", members: 2 }],
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
    kvA.close();
    kvB.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a connection that closes while joining is not left behind", async () => {
  await withIsolate(async ({ layer: { service, presence } }) => {
    const tab = connect("s-ada", ada);
    const joining = service.handle(tab, { type: "join", room: "lobby" });
    await service.disconnect(tab);
    await joining;
    deepEqual(tab.frames, []);
    deepEqual(presence.page("lobby", { limit: 1_000 }).users, []);
    ok(!tab.rooms.has("lobby"));
    deepEqual(
      (await service.listRooms({ limit: 100 })).rooms.map(({ room, online }) => ({ room, online })),
      [{ room: "general", online: 0 }, { room: "lobby", online: 0 }],
    );
  });
});

Deno.test("the kv engine watches ten keys, once, whatever the number of rooms", async () => {
  const kv = await Deno.openKv(":memory:");
  const watched: Deno.KvKey[][] = [];
  const watch = kv.watch.bind(kv);
  kv.watch = (keys, options) => {
    watched.push([...keys]);
    return watch(keys, options);
  };
  const clock = createVirtualClock(1_000);
  const cluster = await createCluster({
    engine: "kv",
    kv,
    clock,
    instance: newInstanceId(),
    namespace: "unused",
    expiryMs: 15_000,
    log: { historyMax: 100 },
  });
  const layer = roomLayerOnKv(kv, cluster, { clock, config: TEST_CONFIG });
  try {
    const member = connect("s-ada", ada);
    for (let index = 0; index < 30; index++) {
      await layer.service.handle(member, { type: "join", room: `room-${index}` });
    }
    await layer.service.handle(member, { type: "send", room: "room-7", text: "hi", cid: "c1" });
    deepEqual(member.of("message").map((message) => message.text), ["hi"]);
    equal(watched.length, 1);
    equal(watched[0].length, 10);
  } finally {
    await layer.close();
    await cluster.close();
    kv.close();
  }
});

import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { createVirtualClock } from "../../lib/time/clock.ts";
import {
  createMessageStore,
  type MessageStore,
  roomMessageKey,
} from "../../lib/server/store/mod.ts";
import { messageStoreContract } from "../contracts/message_store.ts";

// Every store on its own handle to one KV file, as the isolates of a process have.
messageStoreContract("kv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_store_" });
  const handles: Deno.Kv[] = [];
  return {
    async store(options) {
      const kv = await Deno.openKv(`${dir}/log.kv`);
      handles.push(kv);
      return createMessageStore(kv, options);
    },
    async close() {
      for (const kv of handles) kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

const ada = { id: "u-ada", name: "ada", role: "user" as const };
const bob = { id: "u-bob", name: "bob", role: "user" as const };

async function withKv(test: (kv: Deno.Kv, path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "rooms_store_" });
  const path = `${dir}/log.kv`;
  const kv = await Deno.openKv(path);
  try {
    await test(kv, path);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function storeOf(kv: Deno.Kv, historyMax = 10_000, clock = createVirtualClock(1_000)) {
  return createMessageStore(kv, { historyMax, clock, pageSize: 5 });
}

function send(store: MessageStore, index: number, user = ada, room = "general") {
  return store.commit({ room, user, text: `message ${index}`, cid: `${user.id}-${index}` });
}

type KvRead = "get" | "getMany" | "list";

/** Records, from now on, each call of the named read methods of `kv`, in order. */
function recordReads(kv: Deno.Kv, methods: KvRead[]): KvRead[] {
  const calls: KvRead[] = [];
  for (const method of methods) {
    const original = kv[method].bind(kv) as (...args: unknown[]) => unknown;
    (kv as unknown as Record<KvRead, unknown>)[method] = (...args: unknown[]) => {
      calls.push(method);
      return original(...args);
    };
  }
  return calls;
}

function seqs(messages: { seq: number }[]) {
  return messages.map(({ seq }) => seq);
}

function range(from: number, through: number) {
  return Array.from({ length: through - from + 1 }, (_, index) => from + index);
}

Deno.test("retention deletes the keys of pruned messages", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv, 10);
    for (let index = 1; index <= 25; index++) await send(store, index);
    const stored: number[] = [];
    for await (const entry of kv.list({ prefix: ["room_message", "general"] })) {
      stored.push(entry.key[2] as number);
    }
    deepEqual(stored, range(16, 25));
    equal((await kv.get(roomMessageKey("general", 15))).value, null);
  });
});

Deno.test("a message KV refuses fails alone, not the commits batched with it", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv);
    const huge = { room: "general", user: ada, text: "€".repeat(40_000), cid: "huge" };
    const [before, refused, after] = await Promise.allSettled([
      send(store, 1),
      store.commit(huge),
      send(store, 2),
    ]);
    equal(before.status, "fulfilled");
    equal(refused.status, "rejected");
    equal(after.status, "fulfilled");
    equal(await store.head("general"), 2);
    await rejects(store.commit(huge));
    ok((await store.since("general", 0)).messages.every((message) => message.cid !== "huge"));
  });
});

Deno.test("a store commits on top of its own last head without reading, and reads when another moved it", async () => {
  await withKv(async (kv) => {
    const reads = recordReads(kv, ["getMany"]);
    const [store, other] = [storeOf(kv), storeOf(kv)];
    await send(store, 1);
    equal(reads.length, 1, "the first commit reads the head");
    await send(store, 2);
    await send(store, 3);
    equal(reads.length, 1, "the next ones check the head they wrote instead");

    await send(other, 4, bob);
    reads.length = 0;
    const afterOther = await send(store, 5);
    equal(afterOther.receipt.seq, 5);
    equal(reads.length, 1, "a head moved by another store fails the check and is read");
    deepEqual(seqs((await store.history("general", { limit: 10 })).messages), range(1, 5));
  });
});

Deno.test("latest is one list of the newest page: the head comes with it", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv);
    for (let index = 1; index <= 8; index++) await send(store, index);
    await store.ensureRoom("empty");
    const calls = recordReads(kv, ["get", "getMany", "list"]);

    const latest = await store.latest("general");
    deepEqual(calls, ["list"]);
    equal(latest.head, 8);
    ok(latest.recovered);
    deepEqual(seqs(latest.messages), range(4, 8), "the newest page of 5, oldest first");

    // Older messages still stored beyond a smaller retention are not served.
    const shorter = await storeOf(kv, 2).latest("general");
    equal(shorter.head, 8);
    deepEqual(seqs(shorter.messages), [7, 8]);

    deepEqual(await store.latest("empty"), { head: 0, recovered: true, messages: [], more: false });
    deepEqual(await store.latest("never-used"), {
      head: 0,
      recovered: true,
      messages: [],
      more: false,
    });
    equal(await store.head("general"), 8, "the head key agrees");
  });
});

Deno.test("rooms: a head of 0, as earlier versions made an empty room, is not listed", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv);
    await send(store, 1, ada, "busy");
    await kv.set(["room_head", "legacy"], 0);
    deepEqual(await store.rooms({ limit: 10 }), { names: ["busy"], next: null });
  });
});

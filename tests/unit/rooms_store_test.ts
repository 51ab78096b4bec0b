import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { createVirtualClock } from "../../lib/time/clock.ts";
import {
  CID_TTL_MS,
  createMessageStore,
  type MessageStore,
  roomMessageKey,
} from "../../lib/server/store/mod.ts";

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

Deno.test("commits get consecutive seqs and history pages are complete and ordered", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv);
    for (let index = 1; index <= 12; index++) {
      const result = await send(store, index);
      equal(result.created, true);
      equal(result.receipt.seq, index);
    }
    equal(await store.head("general"), 12);

    const newest = await store.history("general", { limit: 5 });
    deepEqual(seqs(newest.messages), [8, 9, 10, 11, 12]);
    equal(newest.more, true);
    const middle = await store.history("general", { before: 8, limit: 5 });
    deepEqual(seqs(middle.messages), [3, 4, 5, 6, 7]);
    const oldest = await store.history("general", { before: 3, limit: 5 });
    deepEqual(seqs(oldest.messages), [1, 2]);
    equal(oldest.more, false);

    const first = oldest.messages[0];
    deepEqual(first, {
      room: "general",
      seq: 1,
      id: first.id,
      cid: "u-ada-1",
      user: ada,
      text: "message 1",
      ts: 1_000,
    });
  });
});

Deno.test("rooms have their own seqs and an empty room has head 0", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv);
    await send(store, 1, ada, "a");
    await send(store, 2, ada, "b");
    await send(store, 3, ada, "a");
    equal(await store.head("a"), 2);
    equal(await store.head("b"), 1);
    equal(await store.head("empty"), 0);
    deepEqual(await store.history("empty", { limit: 5 }), { messages: [], more: false });
    await store.ensureRoom("empty");
    deepEqual((await store.rooms({ limit: 100 })).names, ["a", "b", "empty"]);
    equal(await store.head("empty"), 0);
  });
});

Deno.test("two stores on one KV committing concurrently never duplicate or skip a seq", async () => {
  await withKv(async (kv) => {
    const stores = [storeOf(kv), storeOf(kv)];
    const results = await Promise.all(
      range(1, 200).map((index) => send(stores[index % 2], index, index % 2 ? ada : bob)),
    );
    deepEqual(results.map((result) => result.receipt.seq).sort((a, b) => a - b), range(1, 200));
    const { messages } = await stores[0].since("general", 0);
    deepEqual(seqs(messages), range(1, 200));
    equal(new Set(messages.map((message) => message.cid)).size, 200);
  });
});

Deno.test("two KV handles on one file committing concurrently never duplicate or skip a seq", async () => {
  await withKv(async (first, path) => {
    const second = await Deno.openKv(path);
    try {
      const stores = [storeOf(first), storeOf(second)];
      const results = await Promise.all(
        range(1, 120).map((index) => send(stores[index % 2], index, index % 2 ? ada : bob)),
      );
      deepEqual(results.map((result) => result.receipt.seq).sort((a, b) => a - b), range(1, 120));
      const { messages } = await stores[1].since("general", 0);
      deepEqual(seqs(messages), range(1, 120));
      equal(new Set(messages.map((message) => message.cid)).size, 120);
    } finally {
      second.close();
    }
  });
});

Deno.test("the same cid three times gives one message and three identical receipts", async () => {
  await withKv(async (kv) => {
    const [store, other] = [storeOf(kv), storeOf(kv)];
    const input = { room: "general", user: ada, text: "once", cid: "c-1" };
    const first = await store.commit(input);
    const concurrent = await Promise.all([store.commit(input), other.commit(input)]);
    equal(first.created, true);
    deepEqual(concurrent.map((result) => result.created), [false, false]);
    deepEqual(concurrent.map((result) => result.receipt), [first.receipt, first.receipt]);
    equal(await store.head("general"), 1);

    // The same cid from another user is another message.
    const fromBob = await store.commit({ ...input, user: bob });
    equal(fromBob.receipt.seq, 2);
  });
});

Deno.test("the same cid sent concurrently in one batch creates one message", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv);
    const input = { room: "general", user: ada, text: "once", cid: "c-1" };
    const results = await Promise.all([
      store.commit(input),
      store.commit(input),
      store.commit(input),
    ]);
    equal(results.filter((result) => result.created).length, 1);
    deepEqual(results.map((result) => result.receipt), Array(3).fill(results[0].receipt));
    equal(await store.head("general"), 1);
  });
});

Deno.test("a cid older than 24 hours is forgotten", async () => {
  await withKv(async (kv) => {
    const clock = createVirtualClock(0);
    const store = storeOf(kv, 100, clock);
    const input = { room: "general", user: ada, text: "hi", cid: "c-1" };
    await store.commit(input);
    clock.advance(CID_TTL_MS - 1);
    equal((await store.commit(input)).created, false);
    clock.advance(1);
    const later = await store.commit(input);
    equal(later.created, true);
    equal(later.receipt.seq, 2);
  });
});

Deno.test("since replays 100 messages after the KV is closed and reopened", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_store_" });
  const path = `${dir}/log.kv`;
  const before = await Deno.openKv(path);
  const store = storeOf(before);
  for (let index = 1; index <= 10; index++) await send(store, index);
  const clientHolds = await store.head("general");
  await Promise.all(range(11, 110).map((index) => send(store, index, bob)));
  before.close();

  const after = await Deno.openKv(path);
  try {
    const replay = await storeOf(after).since("general", clientHolds);
    equal(replay.recovered, true);
    equal(replay.head, 110);
    deepEqual(seqs(replay.messages), range(11, 110));
    equal(new Set(replay.messages.map((message) => message.cid)).size, 100);
  } finally {
    after.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retention keeps historyMax messages; a gap beyond it is not recovered", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv, 10);
    for (let index = 1; index <= 25; index++) await send(store, index);

    const stored: number[] = [];
    for await (const entry of kv.list({ prefix: ["room_message", "general"] })) {
      stored.push(entry.key[2] as number);
    }
    deepEqual(stored, range(16, 25));
    equal((await kv.get(roomMessageKey("general", 15))).value, null);

    const kept = await store.since("general", 15);
    deepEqual({ recovered: kept.recovered, seqs: seqs(kept.messages) }, {
      recovered: true,
      seqs: range(16, 25),
    });
    const gap = await store.since("general", 14);
    deepEqual({ recovered: gap.recovered, head: gap.head, seqs: seqs(gap.messages) }, {
      recovered: false,
      head: 25,
      seqs: range(21, 25),
    });
    const ahead = await store.since("general", 99);
    equal(ahead.recovered, false);

    const oldestPage = await store.history("general", { before: 18, limit: 5 });
    deepEqual(oldestPage, { messages: oldestPage.messages, more: false });
    deepEqual(seqs(oldestPage.messages), [16, 17]);
    deepEqual(seqs(await store.range("general", 0, 17)), [16, 17]);
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

Deno.test("rooms: one without messages is listed until its time runs out; one with messages for good", async () => {
  await withKv(async (kv) => {
    const clock = createVirtualClock(1_000);
    const store = createMessageStore(kv, { historyMax: 100, clock, unusedRoomTtlMs: 60_000 });
    await store.ensureRoom("empty");
    await send(store, 1, ada, "busy");
    await kv.set(["room_head", "legacy"], 0); // how earlier versions made an empty room
    deepEqual(await store.rooms({ limit: 10 }), { names: ["busy", "empty"], next: null });

    clock.advance(59_999);
    deepEqual((await store.rooms({ limit: 10 })).names, ["busy", "empty"]);
    clock.advance(1);
    deepEqual((await store.rooms({ limit: 10 })).names, ["busy"]);

    // Someone joins again: listed again, from now.
    await store.ensureRoom("empty");
    clock.advance(30_000);
    deepEqual((await store.rooms({ limit: 10 })).names, ["busy", "empty"]);
  });
});

Deno.test("rooms: paging by name visits every room once, in order, each page bounded", async () => {
  await withKv(async (kv) => {
    const clock = createVirtualClock(1_000);
    const store = createMessageStore(kv, { historyMax: 100, clock });
    const expected: string[] = [];
    for (let i = 0; i < 120; i++) {
      const name = `room-${String(i).padStart(3, "0")}`;
      expected.push(name);
      // Interleave the two kinds, so pages draw on both prefixes at once.
      if (i % 3 === 0) await send(store, i, ada, name);
      else await store.ensureRoom(name);
      if (i % 10 === 0) await store.ensureRoom(name); // some rooms are in both
    }
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await store.rooms({ after, limit: 17 });
      ok(page.names.length <= 17);
      seen.push(...page.names);
      pages++;
      if (page.next === null) break;
      after = page.next;
    }
    deepEqual(seen, expected);
    ok(pages <= 120 / 17 * 2 + 2, `${pages} pages`);
  });
});

Deno.test("since with a limit is a page of the oldest messages after the seq, saying whether more follow", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv);
    for (let index = 1; index <= 12; index++) await send(store, index);

    // since → the page after it, and whether more follow; head and recovered as without a limit.
    const pages: [number, number[], boolean][] = [
      [2, [3, 4, 5, 6], true],
      [8, [9, 10, 11, 12], false],
      [12, [], false],
    ];
    for (const [since, messages, more] of pages) {
      const replay = await store.since("general", since, { limit: 4 });
      deepEqual({ ...replay, messages: seqs(replay.messages) }, {
        head: 12,
        recovered: true,
        messages,
        more,
      }, `since ${since}`);
    }
  });
});

Deno.test("history after pages forward, oldest first, each message once; from the oldest kept when pruned", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv, 10);
    for (let index = 1; index <= 25; index++) await send(store, index);

    const pages: number[][] = [];
    let after = 15;
    for (let more = true; more;) {
      const page = await store.history("general", { after, limit: 4 });
      pages.push(seqs(page.messages));
      more = page.more;
      after = page.messages.at(-1)?.seq ?? after;
    }
    deepEqual(pages, [[16, 17, 18, 19], [20, 21, 22, 23], [24, 25]]);
    deepEqual(await store.history("general", { after: 25, limit: 4 }), {
      messages: [],
      more: false,
    });
    // Seqs 1 to 15 are no longer kept: the page starts at the oldest kept one.
    deepEqual(seqs((await store.history("general", { after: 3, limit: 2 })).messages), [16, 17]);
  });
});

Deno.test("a page stops reading once its texts pass maxBytes, that message included", async () => {
  await withKv(async (kv) => {
    const store = storeOf(kv);
    for (let index = 1; index <= 10; index++) {
      await store.commit({ room: "big", user: ada, text: "€".repeat(100), cid: `b${index}` });
    }
    // 300 bytes each: the page passes 700 bytes with its third message.
    const after = await store.history("big", { after: 0, limit: 50, maxBytes: 700 });
    deepEqual({ seqs: seqs(after.messages), more: after.more }, { seqs: [1, 2, 3], more: true });
    const before = await store.history("big", { limit: 50, maxBytes: 700 });
    deepEqual({ seqs: seqs(before.messages), more: before.more }, { seqs: [8, 9, 10], more: true });
    const replay = await store.since("big", 6, { limit: 50, maxBytes: 700 });
    deepEqual(seqs(replay.messages), [7, 8, 9]);
    ok(replay.more);
    const rest = await store.since("big", 7, { limit: 50, maxBytes: 100_000 });
    deepEqual({ seqs: seqs(rest.messages), more: rest.more }, { seqs: [8, 9, 10], more: false });
  });
});

/**
 * The contract every {@linkcode MessageStore} passes: gapless seqs under
 * concurrent committers, idempotent cids, history pages and their bounds,
 * replays, retention, and the room list. An engine's test file runs it with a
 * factory whose `store()` opens a new store on one shared, empty database,
 * each through its own connection (another KV handle, another pool), as
 * another process would:
 *
 * @example
 * ```ts
 * messageStoreContract("kv", async () => {
 *   const dir = await Deno.makeTempDir();
 *   const handles: Deno.Kv[] = [];
 *   return {
 *     store: async (options) => {
 *       const kv = await Deno.openKv(`${dir}/log.kv`);
 *       handles.push(kv);
 *       return createMessageStore(kv, options);
 *     },
 *     close: async () => {
 *       handles.forEach((kv) => kv.close());
 *       await Deno.remove(dir, { recursive: true });
 *     },
 *   };
 * });
 * ```
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { PublicUser } from "../../lib/protocol/mod.ts";
import {
  CID_TTL_MS,
  type MessageStore,
  type MessageStoreOptions,
} from "../../lib/server/store/mod.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";

/** One engine's stores, all on one shared database. */
export interface MessageStoreFixture {
  /** A new store on the shared database, through a connection of its own. */
  store(options: MessageStoreOptions): Promise<MessageStore>;
  close(): Promise<void> | void;
}

const ada: PublicUser = { id: "u-ada", name: "ada", role: "user" };
const bob: PublicUser = { id: "u-bob", name: "bob", role: "user" };

function send(store: MessageStore, index: number, user = ada, room = "general") {
  return store.commit({ room, user, text: `message ${index}`, cid: `${user.id}-${index}` });
}

function seqs(messages: { seq: number }[]) {
  return messages.map(({ seq }) => seq);
}

function range(from: number, through: number) {
  return Array.from({ length: through - from + 1 }, (_, index) => from + index);
}

interface Context {
  /** A store with these options (defaults: historyMax 10 000, pageSize 5, the context's clock). */
  open(options?: Partial<MessageStoreOptions>): Promise<MessageStore>;
  clock: VirtualClock;
}

/** Registers the message store contract's tests for one engine. */
export function messageStoreContract(
  engine: string,
  setup: () => Promise<MessageStoreFixture>,
): void {
  const test = (name: string, fn: (context: Context) => Promise<void>) =>
    Deno.test(`message store (${engine}): ${name}`, async () => {
      const fixture = await setup();
      const clock = createVirtualClock(1_000);
      try {
        await fn({
          clock,
          open: (options) => fixture.store({ historyMax: 10_000, clock, pageSize: 5, ...options }),
        });
      } finally {
        await fixture.close();
      }
    });

  test("commits get consecutive seqs and history pages are complete and ordered", async ({ open }) => {
    const store = await open();
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

  test("rooms have their own seqs and an empty room has head 0", async ({ open }) => {
    const store = await open();
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

  test("stores on separate connections committing to one room at once: seqs 1..N, no gap, no duplicate, each cid acked once", async ({ open }) => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => open()));
    const users: PublicUser[] = [
      ada,
      bob,
      { id: "u-cy", name: "cy", role: "admin" },
      { id: "guest:di", name: "di", role: "guest" },
    ];
    const total = 240;
    const results = await Promise.all(
      range(1, total).map((index) => send(stores[index % 4], index, users[index % 4])),
    );
    ok(results.every((result) => result.created));
    deepEqual(results.map((result) => result.receipt.seq).sort((a, b) => a - b), range(1, total));
    const { messages } = await stores[0].since("general", 0);
    deepEqual(seqs(messages), range(1, total));
    deepEqual(
      messages.map((message) => message.cid).sort(),
      results.map((result) => result.receipt.cid).sort(),
      "every acked cid is stored once",
    );
    equal(new Set(messages.map((message) => message.cid)).size, total);
  });

  test("the same cid three times gives one message and three identical receipts", async ({ open }) => {
    const [store, other] = [await open(), await open()];
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

  test("the same cid sent concurrently in one batch creates one message", async ({ open }) => {
    const store = await open();
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

  test("one cid sent to two rooms at once through two stores makes one message", async ({ open }) => {
    const [store, other] = [await open(), await open()];
    for (let round = 0; round < 10; round++) {
      const input = { user: ada, text: "once", cid: `twice-${round}` };
      const results = await Promise.all([
        store.commit({ ...input, room: "left" }),
        other.commit({ ...input, room: "right" }),
      ]);
      equal(results.filter((result) => result.created).length, 1, `round ${round}`);
      deepEqual(results[0].receipt, results[1].receipt);
    }
    equal((await store.head("left")) + (await store.head("right")), 10);
  });

  test("a cid older than 24 hours is forgotten", async ({ open, clock }) => {
    const store = await open({ historyMax: 100 });
    const input = { room: "general", user: ada, text: "hi", cid: "c-1" };
    await store.commit(input);
    clock.advance(CID_TTL_MS - 1);
    equal((await store.commit(input)).created, false);
    clock.advance(1);
    const later = await store.commit(input);
    equal(later.created, true);
    equal(later.receipt.seq, 2);
  });

  test("expired cid records are pruned, fresh ones kept", async ({ open, clock }) => {
    const store = await open();
    await send(store, 1);
    clock.advance(CID_TTL_MS / 2);
    await send(store, 2);
    clock.advance(CID_TTL_MS / 2);
    equal(await store.pruneReceipts(), 1);
    equal(await store.pruneReceipts(), 0);
    equal((await send(store, 2)).created, false, "the fresh one still answers its retry");
    equal((await send(store, 1)).created, true, "the pruned one is a new message");
  });

  test("a store opened later replays what another committed, after the seq a client holds", async ({ open }) => {
    const store = await open();
    for (let index = 1; index <= 10; index++) await send(store, index);
    const clientHolds = await store.head("general");
    await Promise.all(range(11, 110).map((index) => send(store, index, bob)));

    const replay = await (await open()).since("general", clientHolds);
    equal(replay.recovered, true);
    equal(replay.head, 110);
    deepEqual(seqs(replay.messages), range(11, 110));
    equal(new Set(replay.messages.map((message) => message.cid)).size, 100);
  });

  test("retention keeps historyMax messages; a gap beyond it is not recovered", async ({ open }) => {
    const store = await open({ historyMax: 10 });
    for (let index = 1; index <= 25; index++) await send(store, index);

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
    equal((await store.since("general", 99)).recovered, false);

    const oldestPage = await store.history("general", { before: 18, limit: 5 });
    deepEqual(oldestPage, { messages: oldestPage.messages, more: false });
    deepEqual(seqs(oldestPage.messages), [16, 17]);
    deepEqual(seqs(await store.range("general", 0, 17)), [16, 17]);
    deepEqual(seqs(await store.range("general", 20, 22)), [21, 22]);
  });

  test("latest is the newest page with the head; nothing past retention", async ({ open }) => {
    const store = await open();
    for (let index = 1; index <= 8; index++) await send(store, index);
    await store.ensureRoom("empty");
    const latest = await store.latest("general");
    equal(latest.head, 8);
    ok(latest.recovered);
    deepEqual(seqs(latest.messages), range(4, 8), "the newest page of 5, oldest first");

    // Older messages still stored beyond a smaller retention are not served.
    const shorter = await (await open({ historyMax: 2 })).latest("general");
    equal(shorter.head, 8);
    deepEqual(seqs(shorter.messages), [7, 8]);

    const nothing = { head: 0, recovered: true, messages: [], more: false };
    deepEqual(await store.latest("empty"), nothing);
    deepEqual(await store.latest("never-used"), nothing);
  });

  test("rooms: one without messages is listed until its time runs out; one with messages for good", async ({ open, clock }) => {
    const store = await open({ historyMax: 100, unusedRoomTtlMs: 60_000 });
    await store.ensureRoom("empty");
    await send(store, 1, ada, "busy");
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

  test("rooms: names starting with skip are left out of every page; exists sees them", async ({ open, clock }) => {
    const store = await open({ historyMax: 100, unusedRoomTtlMs: 60_000 });
    const rooms = ["a", "dm-1", "dm-2", "dm", "dn", "z"];
    for (const [index, room] of rooms.entries()) await send(store, index, ada, room);
    await store.ensureRoom("dm-empty");
    deepEqual(await store.rooms({ limit: 10, skip: "dm-" }), {
      names: ["a", "dm", "dn", "z"],
      next: null,
    });
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.rooms({ after, limit: 1, skip: "dm-" });
      names.push(...page.names);
      if (page.next === null) break;
      after = page.next;
    }
    deepEqual(names, ["a", "dm", "dn", "z"]);
    equal(await store.exists("dm-1"), true);
    equal(await store.exists("dm-empty"), true);
    equal(await store.exists("never-used"), false);
    clock.advance(60_000);
    equal(await store.exists("dm-empty"), false, "an empty room's time ran out");
  });

  test("a message keeps its author's role", async ({ open }) => {
    const store = await open();
    const zed: PublicUser = { id: "guest:zed", name: "zed", role: "guest" };
    const admin: PublicUser = { id: "u-root", name: "root", role: "admin" };
    await send(store, 1, zed);
    await send(store, 2, admin);
    const { messages } = await store.latest("general");
    deepEqual(messages.map((message) => message.user), [zed, admin]);
  });

  test("rooms: paging by name visits every room once, in order, each page bounded", async ({ open }) => {
    const store = await open({ historyMax: 100 });
    const expected: string[] = [];
    for (let i = 0; i < 120; i++) {
      // Names whose order differs between byte order and a language's collation.
      const name = `room${i % 2 ? "-" : "_"}${String(i).padStart(3, "0")}`;
      expected.push(name);
      if (i % 3 === 0) await send(store, i, ada, name);
      else await store.ensureRoom(name);
      if (i % 10 === 0) await store.ensureRoom(name); // some rooms have both
    }
    expected.sort();
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

  test("since with a limit is a page of the oldest messages after the seq, saying whether more follow", async ({ open }) => {
    const store = await open();
    for (let index = 1; index <= 12; index++) await send(store, index);
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

  test("history after pages forward, oldest first, each message once; from the oldest kept when pruned", async ({ open }) => {
    const store = await open({ historyMax: 10 });
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

  test("a page stops reading once its texts pass maxBytes, that message included", async ({ open }) => {
    const store = await open();
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

  test("any string a client may send comes back as it was sent: NUL, lone surrogates, emoji", async ({ open }) => {
    const store = await open();
    const texts = ["a\u0000b", "\ud800 alone", "tail \udfff", '\uffff"quoted"', "😀 ok", ""];
    for (const [index, text] of texts.entries()) {
      const cid = `${text}#${index}`;
      const result = await store.commit({ room: "odd", user: ada, text, cid });
      equal(result.created, true);
      equal((await store.commit({ room: "odd", user: ada, text, cid })).created, false);
    }
    const { messages } = await store.since("odd", 0);
    deepEqual(messages.map((message) => message.text), texts);
    deepEqual(messages.map((message) => message.cid), texts.map((text, i) => `${text}#${i}`));
  });
}

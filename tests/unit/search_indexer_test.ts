/**
 * The search indexer (`lib/server/search/indexer.ts`) on a real KV index, in
 * virtual time: it writes nothing on the caller's turn, batches what arrives
 * within its delay, fills gaps and overflows from the log, catches up after a
 * restart, shares a room with another isolate's indexer without indexing an
 * entry twice, and reports failures instead of throwing them.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Message } from "../../lib/protocol/mod.ts";
import { createLogger } from "../../lib/server/log.ts";
import {
  createKvSearchIndex,
  createSearchIndexer,
  type ReadLog,
  type SearchIndex,
  type SearchIndexerOptions,
} from "../../lib/server/search/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { textEntry } from "../contracts/search_index.ts";

/** A room log held in memory, read as the message store reads it: after a seq, oldest first. */
function memoryLog(...entries: Message[]) {
  const rooms = new Map<string, Message[]>();
  const append = (...more: Message[]) => {
    for (const entry of more) {
      const room = rooms.get(entry.room) ?? [];
      rooms.set(entry.room, [...room, entry]);
    }
    return more;
  };
  append(...entries);
  const reads: string[] = [];
  const readLog: ReadLog = (room, after, limit) => {
    reads.push(`${room}>${after}`);
    return Promise.resolve(
      (rooms.get(room) ?? []).filter((entry) => entry.seq > after).slice(0, limit),
    );
  };
  return { append, readLog, reads };
}

/** The index, counting its writes. */
function counted(index: SearchIndex) {
  const writes: string[] = [];
  return {
    writes,
    index: {
      ...index,
      indexLog: (room: string, after: number, entries: readonly Message[]) => {
        writes.push(`${room}>${after}:${entries.map((entry) => entry.seq).join(",")}`);
        return index.indexLog(room, after, entries);
      },
    } satisfies SearchIndex,
  };
}

async function setup(options: Partial<SearchIndexerOptions> = {}) {
  const kv = await Deno.openKv(":memory:");
  const clock = createVirtualClock(1_800_000_000_000);
  const lines: string[] = [];
  const log = createLogger({ sink: (line) => lines.push(line), clock });
  const store = memoryLog();
  const { index, writes } = counted(createKvSearchIndex({ kv }));
  const indexer = createSearchIndexer({
    index,
    readLog: store.readLog,
    clock,
    log,
    batchDelayMs: 25,
    ...options,
  });
  const found = async (q: string, rooms = ["general"]) => {
    const page = await index.search({ q, rooms, limit: 50 });
    ok(page.ok);
    return page.hits.map((hit) => hit.seq);
  };
  return {
    kv,
    clock,
    lines,
    store,
    index,
    writes,
    indexer,
    found,
    [Symbol.asyncDispose]: async () => {
      await indexer.close();
      kv.close();
    },
  };
}

Deno.test("indexer: writes nothing on the caller's turn, then one batch per room after the delay", async () => {
  await using t = await setup();
  for (let seq = 1; seq <= 5; seq++) {
    t.indexer.indexCommitted("general", t.store.append(textEntry("general", seq, `hello ${seq}`)));
  }
  t.indexer.indexCommitted("random", t.store.append(textEntry("random", 1, "hello")));
  await Promise.resolve();
  deepEqual(t.writes, [], "nothing before the batch delay");
  t.clock.advance(25);
  await t.indexer.settled();
  deepEqual(t.writes, ["general>0:1,2,3,4,5", "random>0:1"]);
  deepEqual(await t.found("hello"), [5, 4, 3, 2, 1]);
  deepEqual(await t.found("hello", ["random"]), [1]);
  deepEqual(t.store.reads, [], "what it was handed was enough: no read of the log");
});

Deno.test("indexer: entries committed elsewhere (a gap) are read from the log", async () => {
  await using t = await setup();
  t.indexer.indexCommitted("general", t.store.append(textEntry("general", 1, "one")));
  t.store.append(textEntry("general", 2, "two"), textEntry("general", 3, "three"));
  t.indexer.indexCommitted("general", t.store.append(textEntry("general", 4, "four")));
  t.indexer.indexCommitted("general", t.store.append(textEntry("general", 5, "five")));
  await t.indexer.settled();
  for (const [word, seq] of [["one", 1], ["two", 2], ["three", 3], ["four", 4], ["five", 5]]) {
    deepEqual(await t.found(word as string), [seq], String(word));
  }
  equal(await t.index.indexedThrough("general"), 5);
  deepEqual(t.store.reads.slice(0, 1), ["general>1"]);
});

Deno.test("indexer: past its queue bound a room catches up from the log instead", async () => {
  await using t = await setup({ maxQueued: 4, pageSize: 3 });
  for (let seq = 1; seq <= 10; seq++) {
    t.indexer.indexCommitted("general", t.store.append(textEntry("general", seq, "burst")));
  }
  await t.indexer.settled();
  deepEqual(await t.found("burst"), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  ok(t.store.reads.length >= 3, `read the log a page at a time: ${t.store.reads}`);
});

Deno.test("indexer: after a restart it catches up from where the index stands", async () => {
  await using t = await setup({ pageSize: 4 });
  const entries = Array.from(
    { length: 10 },
    (_, i) => textEntry("general", i + 1, `entry ${i + 1}`),
  );
  t.store.append(...entries);
  await t.index.indexLog("general", 0, entries.slice(0, 3));
  t.store.append(textEntry("ops", 1, "entry in ops"));
  await t.indexer.catchUp(["general", "ops", "empty"]);
  deepEqual(await t.found("entry"), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  deepEqual(await t.found("entry", ["ops"]), [1]);
  deepEqual(t.store.reads, ["general>3", "general>7", "ops>0", "empty>0"]);
  equal(await t.index.indexedThrough("general"), 10);
});

Deno.test("indexer: two isolates' indexers on one room, each handed some commits, leave no entry out", async () => {
  await using t = await setup();
  const other = createSearchIndexer({
    index: createKvSearchIndex({ kv: t.kv }),
    readLog: t.store.readLog,
    clock: t.clock,
    log: createLogger({ sink: () => {} }),
  });
  for (let seq = 1; seq <= 20; seq++) {
    const indexer = seq % 3 === 0 ? other : t.indexer;
    indexer.indexCommitted("general", t.store.append(textEntry("general", seq, `shared ${seq}`)));
  }
  await Promise.all([t.indexer.settled(), other.settled()]);
  await other.close();
  deepEqual(await t.found("shared"), Array.from({ length: 20 }, (_, i) => 20 - i));
  equal(await t.index.indexedThrough("general"), 20);
});

Deno.test("indexer: a failure is logged, never thrown, and the next commit makes up for it", async () => {
  await using t = await setup();
  let failing = true;
  const readLog = t.store.readLog;
  const flaky = createSearchIndexer({
    index: t.index,
    readLog: (room, after, limit) =>
      failing ? Promise.reject(new Error("kv unavailable")) : readLog(room, after, limit),
    clock: t.clock,
    log: createLogger({ sink: (line) => t.lines.push(line), clock: t.clock }),
  });
  t.store.append(textEntry("general", 1, "lost"));
  flaky.indexCommitted("general", t.store.append(textEntry("general", 2, "found")));
  await flaky.settled();
  deepEqual(await t.found("found"), []);
  ok(t.lines.some((line) => JSON.parse(line).event === "search.index_failed"), t.lines.join("\n"));
  failing = false;
  flaky.indexCommitted("general", t.store.append(textEntry("general", 3, "found again")));
  await flaky.settled();
  deepEqual(await t.found("found"), [3, 2]);
  deepEqual(await t.found("lost"), [1]);
  await flaky.close();
  flaky.indexCommitted("general", t.store.append(textEntry("general", 4, "found late")));
  await flaky.settled();
  deepEqual(await t.found("late"), [], "closed: takes nothing more");
});

Deno.test("indexer: with historyMax, what the log no longer keeps leaves the index", async () => {
  await using t = await setup({ historyMax: 5 });
  for (let seq = 1; seq <= 12; seq++) {
    t.indexer.indexCommitted("general", t.store.append(textEntry("general", seq, "kept")));
  }
  await t.indexer.settled();
  deepEqual(await t.found("kept"), [12, 11, 10, 9, 8]);
  t.store.append(textEntry("general", 13, "kept"), textEntry("general", 14, "kept"));
  await t.indexer.catchUp(["general"]);
  deepEqual(await t.found("kept"), [14, 13, 12, 11, 10]);
});

Deno.test("indexer: idle() waits for the batch at its own time, and for a catch-up, hastening neither", async () => {
  await using t = await setup();
  await t.indexer.idle(); // nothing handed over yet: idle at once

  t.indexer.indexCommitted("general", t.store.append(textEntry("general", 1, "hello one")));
  let idle = false;
  const waiting = t.indexer.idle().then(() => idle = true);
  await t.clock.advance(24);
  equal(idle, false, "the batch is not due yet");
  deepEqual(t.writes, [], "idle() does not hasten the batch");
  await t.clock.advance(1);
  await waiting;
  deepEqual(await t.found("hello"), [1], "idle once the batch is written");

  // A catch-up counts too, rooms listed as it goes included.
  t.store.append(textEntry("random", 1, "hello again"));
  let listed!: () => void;
  const listing = new Promise<void>((resolve) => listed = resolve);
  async function* rooms() {
    await listing;
    yield "random";
  }
  const catchingUp = t.indexer.catchUp(rooms());
  idle = false;
  const waitingAgain = t.indexer.idle().then(() => idle = true);
  await Promise.resolve();
  equal(idle, false, "busy while the rooms are still being listed");
  listed();
  await Promise.all([catchingUp, waitingAgain]);
  deepEqual(await t.found("hello", ["random"]), [1]);
});

import assert from "node:assert/strict";
import { createOutbox } from "../../lib/client/outbox.ts";
import {
  createLocalStorageOutboxStore,
  createMemoryOutboxStore,
  type OutboxEntry,
} from "../../lib/client/outbox_store.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

function counter() {
  let n = 0;
  return () => `cid-${++n}`;
}

Deno.test("entries persist until acked and load again in send order", async () => {
  const clock = createVirtualClock();
  const store = createMemoryOutboxStore();
  const first = createOutbox({ store, clock, createId: counter() });
  await first.ready;
  first.add("general", "one");
  first.add("random", "two");
  first.add("general", "three");
  first.ack("cid-2");
  await first.flushed();

  // A reload: a new outbox over the same store.
  const second = createOutbox({ store, clock, createId: () => "cid-new" });
  await second.ready;
  assert.deepEqual(second.entries.value.map((e) => e.text), ["one", "three"]);
  assert.deepEqual(second.pendingIn("general").map((e) => e.cid), ["cid-1", "cid-3"]);
  assert.deepEqual(second.pendingRooms(), ["general"]);
  assert.equal(second.size.value, 2);
});

Deno.test("sends made before the stored entries loaded go behind them and stay there", async () => {
  const clock = createVirtualClock();
  const store = createMemoryOutboxStore();
  const first = createOutbox({ store, clock, createId: counter() });
  await first.ready;
  first.add("general", "old-1");
  first.add("general", "old-2");
  await first.flushed();

  const second = createOutbox({ store, clock, createId: () => "cid-early" });
  second.add("general", "early"); // before `ready`
  await second.ready;
  await second.flushed();
  assert.deepEqual(second.entries.value.map((e) => e.text), ["old-1", "old-2", "early"]);

  const third = createOutbox({ store, clock });
  await third.ready;
  assert.deepEqual(third.entries.value.map((e) => e.text), ["old-1", "old-2", "early"]);
});

Deno.test("tries are bounded: after maxTries transmissions the entry fails", async () => {
  const outbox = createOutbox({
    store: createMemoryOutboxStore(),
    clock: createVirtualClock(),
    maxTries: 2,
  });
  await outbox.ready;
  const { cid } = outbox.add("general", "hi");
  assert.equal(outbox.beginSend(cid), true);
  assert.equal(outbox.beginSend(cid), true);
  assert.equal(outbox.beginSend(cid), false);
  assert.equal(outbox.get(cid)?.status, "failed");
  assert.match(outbox.get(cid)!.error!, /2 tries/);
  assert.deepEqual(outbox.pendingIn("general"), []);
  assert.equal(outbox.beginSend(cid), false, "failed entries are not sent");

  assert.equal(outbox.retry(cid), true);
  assert.deepEqual(outbox.get(cid), {
    ...outbox.get(cid)!,
    status: "pending",
    tries: 0,
    error: null,
  });
  assert.equal(outbox.beginSend(cid), true);
  assert.equal(outbox.retry(cid), false, "only failed entries are retried");
});

Deno.test("an entry is never held twice, and discard removes it from the store", async () => {
  const store = createMemoryOutboxStore();
  const outbox = createOutbox({ store, clock: createVirtualClock(), createId: counter() });
  await outbox.ready;
  outbox.add("general", "a");
  outbox.fail("cid-1", "too large");
  outbox.beginSend("cid-1");
  assert.equal(outbox.entries.value.length, 1);
  assert.equal(outbox.discard("cid-1"), true);
  assert.equal(outbox.discard("cid-1"), false);
  assert.equal(outbox.ack("cid-1"), undefined);
  await outbox.flushed();
  assert.deepEqual(await store.load(), []);
});

Deno.test("a store that fails is reported and the outbox keeps working in memory", async () => {
  const errors: unknown[] = [];
  const broken = {
    load: () => Promise.reject(new Error("no database")),
    put: () => Promise.reject(new Error("disk full")),
    delete: () => Promise.resolve(),
  };
  const outbox = createOutbox({
    store: broken,
    clock: createVirtualClock(),
    onError: (e) => errors.push(e),
  });
  await outbox.ready;
  outbox.add("general", "still here");
  await outbox.flushed();
  assert.equal(outbox.size.value, 1);
  assert.deepEqual(errors.map((e) => (e as Error).message), ["no database", "disk full"]);
});

Deno.test("the localStorage store round-trips and ignores malformed data", async () => {
  const key = `switchboard.outbox.test.${crypto.randomUUID()}`;
  try {
    const store = createLocalStorageOutboxStore(localStorage, key);
    const entry: OutboxEntry = {
      cid: "c1",
      room: "general",
      text: "hello",
      createdAt: 5,
      order: 1,
      tries: 1,
      status: "pending",
      error: null,
    };
    await store.put(entry);
    await store.put({ ...entry, cid: "c2", order: 2 });
    await store.put({ ...entry, tries: 2 }); // same cid: replaces
    await store.delete("c2");
    assert.deepEqual(await createLocalStorageOutboxStore(localStorage, key).load(), [
      { ...entry, tries: 2 },
    ]);

    localStorage.setItem(key, JSON.stringify({ bad: { cid: 3 }, c1: entry }));
    assert.deepEqual(await store.load(), [entry]);
    localStorage.setItem(key, "not json");
    assert.deepEqual(await store.load(), []);
  } finally {
    localStorage.removeItem(key);
  }
});

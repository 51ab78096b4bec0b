/**
 * The contract every {@linkcode StatusHistoryStore} passes. An engine's test
 * file runs it with a factory that gives a fresh, empty store and a lease
 * on the same database (writes are fenced by its holds):
 *
 * @example
 * ```ts
 * statusHistoryStoreContract("kv", async () => {
 *   const kv = await Deno.openKv(":memory:");
 *   return {
 *     store: createKvStatusHistoryStore({ kv }),
 *     lease: (holder, clock) => createKvLease({ kv, clock, name: "status_history", holder }),
 *     close: () => kv.close(),
 *   };
 * });
 * ```
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Lease, LeaseHold } from "../../lib/server/cluster/mod.ts";
import {
  DAY_MS,
  emptyBucket,
  HISTORY_RETENTION,
  type HistoryBucket,
  HOUR_MS,
  MINUTE_MS,
  type MinuteStatus,
  type StatusHistoryStore,
  type StoredIncident,
} from "../../lib/server/status_history/mod.ts";
import { type Clock, createVirtualClock } from "../../lib/time/clock.ts";

/** A fresh store and leases on its database. */
export interface StatusHistoryStoreFixture {
  store: StatusHistoryStore;
  /** The writer's lease (one name), for `holder`, on the store's database. */
  lease(holder: string, clock: Clock): Lease;
  close(): Promise<void> | void;
}

/** Midnight UTC, so days and hours line up with the minutes below. */
const DAY0 = Date.UTC(2027, 0, 15);

/** A recorded minute at `t` with `status`; `fill` sets anything else. */
export function minuteAt(
  t: number,
  status: MinuteStatus = "ok",
  fill: Partial<HistoryBucket> = {},
): HistoryBucket {
  const bucket = { ...emptyBucket(t, MINUTE_MS), covered_ms: MINUTE_MS, ...fill };
  bucket.minutes = { ok: 0, degraded: 0, down: 0, [status]: 1 };
  return bucket;
}

function incidentAt(start: number, end: number | null): StoredIncident {
  return {
    id: start,
    start,
    end,
    last_minute: end === null ? start : end - MINUTE_MS,
    status: "degraded",
    reasons: ["delivery p99 is 740 ms (limit 500 ms)"],
    notes: [],
  };
}

/** Registers the store contract's tests for one engine. */
export function statusHistoryStoreContract(
  engine: string,
  setup: () => Promise<StatusHistoryStoreFixture>,
): void {
  const test = (
    name: string,
    fn: (fixture: StatusHistoryStoreFixture & { hold: LeaseHold; clock: Clock }) => Promise<void>,
  ) =>
    Deno.test(`status history store (${engine}): ${name}`, async () => {
      const fixture = await setup();
      try {
        const clock = createVirtualClock(DAY0);
        const hold = await fixture.lease("writer", clock).acquire();
        ok(hold, "the writer takes the lease");
        await fn({ ...fixture, hold, clock });
      } finally {
        await fixture.close();
      }
    });

  test("a minute is written once, read back whole, and counted in its day", async ({ store, hold }) => {
    const detail = {
      instances: [{
        id: "a1",
        host: "h",
        connections: 3,
        messages: 4,
        deliveries: [0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        errors: 1,
      }],
      top_rooms: [{
        room: "general",
        connections: 2,
        messages: 4,
        deliveries: [0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        errors: 0,
      }],
    };
    const minute = minuteAt(DAY0 + MINUTE_MS, "degraded", {
      connections: 3,
      messages: 4,
      ...detail,
    });
    equal(await store.appendMinute(minute, hold), "written");
    equal(await store.appendMinute({ ...minute, messages: 99 }, hold), "exists");
    deepEqual(await store.read("minute", { from: DAY0, to: DAY0 + HOUR_MS, detail: true }), [
      minute,
    ]);
    const [plain] = await store.read("minute", { from: DAY0, to: DAY0 + HOUR_MS });
    deepEqual([plain.instances, plain.top_rooms], [[], []], "detail only when asked");
    equal(plain.messages, 4, "the second write changed nothing");
    await store.appendMinute(minuteAt(DAY0 + 2 * MINUTE_MS, "ok"), hold);
    await store.appendMinute(minuteAt(DAY0 + DAY_MS, "down"), hold);
    deepEqual(await store.days(DAY0, DAY0 + 2 * DAY_MS), [
      { day: DAY0, ok: 1, degraded: 1, down: 0 },
      { day: DAY0 + DAY_MS, ok: 0, degraded: 0, down: 1 },
    ]);
    deepEqual(await store.days(DAY0 + DAY_MS, DAY0 + 2 * DAY_MS), [
      { day: DAY0 + DAY_MS, ok: 0, degraded: 0, down: 1 },
    ]);
  });

  test("reads take [from, to) in time order", async ({ store, hold }) => {
    for (const offset of [3, 1, 2, 0]) {
      await store.appendMinute(minuteAt(DAY0 + offset * MINUTE_MS), hold);
    }
    const read = await store.read("minute", { from: DAY0 + MINUTE_MS, to: DAY0 + 3 * MINUTE_MS });
    deepEqual(read.map((minute) => minute.t), [DAY0 + MINUTE_MS, DAY0 + 2 * MINUTE_MS]);
    deepEqual(await store.read("hour", { from: DAY0, to: DAY0 + DAY_MS }), []);
  });

  test("an hour's roll-up replaces the one before", async ({ store, hold }) => {
    const hour = { ...emptyBucket(DAY0, HOUR_MS), covered_ms: HOUR_MS, messages: 10 };
    equal(await store.putHour(hour, hold), "written");
    equal(await store.putHour({ ...hour, messages: 12 }, hold), "written");
    const read = await store.read("hour", { from: DAY0, to: DAY0 + HOUR_MS, detail: true });
    deepEqual(read, [{ ...hour, messages: 12 }]);
  });

  test("the last known message and delivery follow the newest minutes that had them", async ({ store, hold }) => {
    deepEqual(await store.lastKnown(), { message_at: null, delivery: null });
    const deliveries = [0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    await store.appendMinute(minuteAt(DAY0, "ok", { messages: 10, deliveries }), hold);
    await store.appendMinute(minuteAt(DAY0 + MINUTE_MS), hold);
    const known = await store.lastKnown();
    equal(known.message_at, DAY0 + MINUTE_MS, "the end of the minute with messages");
    equal(known.delivery?.at, DAY0 + MINUTE_MS);
    ok(known.delivery!.p99 > 2 && known.delivery!.p99 <= 5, `p99 ${known.delivery?.p99}`);
    // A late minute older than the known one does not move it back.
    await store.appendMinute(minuteAt(DAY0 - MINUTE_MS, "ok", { messages: 1 }), hold);
    equal((await store.lastKnown()).message_at, DAY0 + MINUTE_MS);
  });

  test("a writer that lost the lease writes nothing", async ({ store, lease, hold, clock }) => {
    (clock as ReturnType<typeof createVirtualClock>).advance(60_000);
    const taken = await lease("other", clock).acquire();
    ok(taken, "the lease expired and another writer took it");
    equal(await store.appendMinute(minuteAt(DAY0), hold), "fenced");
    equal(await store.putHour(emptyBucket(DAY0, HOUR_MS), hold), "fenced");
    equal(await store.saveIncident(incidentAt(DAY0, null), hold), "fenced");
    deepEqual(await store.read("minute", { from: 0, to: Infinity }), []);
    deepEqual(await store.read("hour", { from: 0, to: Infinity }), []);
    deepEqual(await store.days(0, Infinity), []);
    equal(await store.latestIncident(), null);
    equal(await store.appendMinute(minuteAt(DAY0), taken), "written");
  });

  test("incidents: saved, listed newest first from a time, notes kept across saves", async ({ store, hold }) => {
    const first = incidentAt(DAY0, DAY0 + 10 * MINUTE_MS);
    const second = incidentAt(DAY0 + HOUR_MS, null);
    equal(await store.saveIncident(first, hold), "written");
    equal(await store.saveIncident(second, hold), "written");
    deepEqual(await store.latestIncident(), second);
    const note = { at: DAY0 + HOUR_MS + 1, by: "root", text: "Looking into it." };
    equal(await store.addIncidentNote(second.id, note), "added");
    // The writer saves the incident again (it ended): the note stays.
    const ended = { ...second, end: DAY0 + 2 * HOUR_MS, notes: [] };
    equal(await store.saveIncident(ended, hold), "written");
    deepEqual(await store.incidents({ from: 0, limit: 10 }), [{ ...ended, notes: [note] }, first]);
    deepEqual(await store.incidents({ from: DAY0 + HOUR_MS, limit: 10 }), [{
      ...ended,
      notes: [note],
    }]);
    deepEqual((await store.incidents({ from: 0, limit: 1 })).map((i) => i.id), [second.id]);
    equal(await store.addIncidentNote(DAY0 + 5, note), "not_found");
  });

  test("an incident holds at most 20 notes", async ({ store, hold }) => {
    await store.saveIncident(incidentAt(DAY0, null), hold);
    for (let index = 0; index < 20; index++) {
      equal(
        await store.addIncidentNote(DAY0, { at: index, by: "root", text: `note ${index}` }),
        "added",
      );
    }
    equal(await store.addIncidentNote(DAY0, { at: 21, by: "root", text: "one more" }), "full");
    equal((await store.latestIncident())?.notes.length, 20);
  });

  test("prune removes what is past its retention, and nothing newer", async ({ store, hold }) => {
    const now = DAY0 + 100 * DAY_MS;
    const oldMinute = now - HISTORY_RETENTION.minutesMs - MINUTE_MS;
    const keptMinute = now - HISTORY_RETENTION.minutesMs + MINUTE_MS;
    await store.appendMinute(minuteAt(oldMinute), hold);
    await store.appendMinute(minuteAt(keptMinute), hold);
    await store.putHour(emptyBucket(now - 91 * DAY_MS, HOUR_MS), hold);
    await store.putHour(emptyBucket(now - 89 * DAY_MS, HOUR_MS), hold);
    await store.appendMinute(minuteAt(DAY0), hold); // a day 100 days back
    await store.saveIncident(incidentAt(now - 95 * DAY_MS, now - 91 * DAY_MS), hold);
    await store.saveIncident(incidentAt(now - 92 * DAY_MS, now - 89 * DAY_MS), hold);

    const removed = await store.prune(now);
    deepEqual(removed, { minutes: 2, hours: 1, days: 1, incidents: 1 });
    deepEqual((await store.read("minute", { from: 0, to: Infinity })).map((m) => m.t), [
      keptMinute,
    ]);
    deepEqual((await store.read("hour", { from: 0, to: Infinity })).map((h) => h.t), [
      now - 89 * DAY_MS,
    ]);
    ok((await store.days(0, Infinity)).every((day) => day.day > now - 90 * DAY_MS));
    deepEqual((await store.incidents({ from: 0, limit: 10 })).map((i) => i.id), [
      now - 92 * DAY_MS,
    ]);
    deepEqual(await store.prune(now), { minutes: 0, hours: 0, days: 0, incidents: 0 });
  });

  test(`prune keeps the newest ${HISTORY_RETENTION.incidents} incidents`, async ({ store, hold }) => {
    const count = HISTORY_RETENTION.incidents + 2;
    for (let index = 0; index < count; index++) {
      const start = DAY0 + index * 10 * MINUTE_MS;
      await store.saveIncident(incidentAt(start, start + MINUTE_MS), hold);
    }
    equal((await store.prune(DAY0 + DAY_MS * 10)).incidents, 2);
    const kept = await store.incidents({ from: 0, limit: count });
    equal(kept.length, HISTORY_RETENTION.incidents);
    equal(kept.at(-1)?.id, DAY0 + 2 * 10 * MINUTE_MS, "the two oldest went");
  });
}

/**
 * The status history's recorder in virtual time, on a real cluster view fed
 * by a real metric set, writing to Deno KV in memory: minutes, hour
 * roll-ups, retention, incidents, the lease between two instances, and a
 * store that fails for a while.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createKvLease } from "../../lib/server/cluster/mod.ts";
import {
  createClusterView,
  createIsolateIdentity,
  createSwitchboardMetrics,
} from "../../lib/server/metrics/mod.ts";
import {
  createKvStatusHistoryStore,
  createRangeReports,
  createStatusRecorder,
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  type StatusHistoryStore,
} from "../../lib/server/status_history/mod.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";

const INTERVAL_MS = 5_000;
/** A midnight UTC, so minutes, hours and days start together. */
const START = Date.UTC(2027, 2, 1);

/** One instance: its metrics, its view of the cluster, its recorder. */
function instance(
  kv: Deno.Kv,
  clock: VirtualClock,
  id: string,
  store: StatusHistoryStore = createKvStatusHistoryStore({ kv }),
) {
  const identity = createIsolateIdentity({
    clock,
    id,
    host: `host-${id}`,
    region: null,
    version: "1.0.0",
    buildId: "test",
  });
  const metrics = createSwitchboardMetrics({
    clock,
    identity,
    memoryUsage: () => ({ rss: 1, heapUsed: 1 }),
  });
  const view = createClusterView({ clock, sampleIntervalMs: INTERVAL_MS });
  const recorder = createStatusRecorder({
    clock,
    view,
    store,
    lease: createKvLease({ kv, clock, name: "status_history", holder: id }),
    intervalMs: INTERVAL_MS,
    onError: (error) => {
      throw error;
    },
  });
  return {
    id,
    metrics,
    view,
    store,
    recorder,
    /** What the publisher does at each tick: its snapshot into its view, then a sample. */
    async tick() {
      view.receive(metrics.snapshot({ ttlMs: 3 * INTERVAL_MS }));
      recorder.sample();
      await recorder.settled();
    },
    /** One message in `room`, delivered in `ms`. */
    chat(room = "general", ms = 3) {
      metrics.messagesCommitted.inc();
      metrics.rooms.record(room);
      metrics.deliveryLatency.observe(ms);
      metrics.rooms.recordDelivery(room, ms);
    },
  };
}

type Instance = ReturnType<typeof instance>;

/** Moves time on by `ms`, one tick of each instance every interval. */
async function run(
  clock: VirtualClock,
  ms: number,
  instances: Instance[],
  beforeTick?: () => void,
) {
  for (let elapsed = 0; elapsed < ms; elapsed += INTERVAL_MS) {
    clock.advance(INTERVAL_MS);
    beforeTick?.();
    for (const one of instances) await one.tick();
  }
}

async function withKv(fn: (kv: Deno.Kv, clock: VirtualClock) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv, createVirtualClock(START));
  } finally {
    kv.close();
  }
}

Deno.test("recorder: one bucket per minute, rolled up into hours, read back by range", async () => {
  await withKv(async (kv, clock) => {
    const a = instance(kv, clock, "a");
    await a.recorder.start();
    // Two hours and a minute, one message per tick: the second hour is rolled
    // up once the first minute of the third is written, at the next tick.
    await run(clock, 2 * HOUR_MS + MINUTE_MS + INTERVAL_MS, [a], () => a.chat());
    ok(a.recorder.writing);

    const minutes = await a.store.read("minute", { from: 0, to: Infinity, detail: true });
    equal(minutes.length, 121);
    deepEqual(minutes.slice(0, 2).map((m) => m.t), [START, START + MINUTE_MS]);
    ok(minutes.every((m) => m.messages === 12));
    // The first sample of an isolate stands for no time; every later one for its interval.
    equal(minutes[0].covered_ms, MINUTE_MS - INTERVAL_MS);
    ok(minutes.slice(1).every((m) => m.covered_ms === MINUTE_MS));
    ok(minutes.every((m) => m.minutes.ok === 1));
    deepEqual(minutes[5].instances.map((i) => i.id), ["a"]);
    deepEqual(minutes[5].top_rooms.map((r) => [r.room, r.messages]), [["general", 12]]);

    const hours = await a.store.read("hour", { from: 0, to: Infinity, detail: true });
    deepEqual(hours.map((h) => h.t), [START, START + HOUR_MS]);
    equal(hours[1].messages, 720, "an hour adds up its minutes");
    equal(hours[1].covered_ms, HOUR_MS);
    deepEqual(hours[1].minutes, { ok: 60, degraded: 0, down: 0 });

    const reports = createRangeReports({
      store: a.store,
      clock,
      liveHistory: () => a.view.history(),
    });
    const day = await reports.read("24h", "admin");
    equal(day.range.bucket_ms, 5 * MINUTE_MS);
    equal(day.history.t.length, 25, "two hours of five-minute points, and the current one");
    equal(day.history.messages_per_second[3], 0.2, "60 messages in 300 s");
    equal(day.history.delivery_p99_ms[3]! <= 5, true);
    equal(day.drilldown?.instances[0].key, "a");
    equal(day.drilldown?.rooms[0].key, "general");
    equal(day.drilldown?.rooms[0].series.length, day.drilldown?.t.length);
    const week = await reports.read("7d", "public");
    deepEqual(week.history.t, [START, START + HOUR_MS, START + 2 * HOUR_MS]);
    equal(week.drilldown, undefined, "the public view has no drill-down");
    equal(week.uptime.length, 90);
    deepEqual(week.uptime.at(-1), { day: START, ok: 121, degraded: 0, down: 0, no_data: 0 });
    equal(week.uptime.at(-2)?.no_data, 24 * 60, "a day before the history: all no data");
    await a.recorder.close();
  });
});

Deno.test("recorder: retention in virtual time drops minutes after 48 h and hours after 90 days", async () => {
  await withKv(async (kv, clock) => {
    const a = instance(kv, clock, "a");
    const stored = async () => ({
      minutes: (await a.store.read("minute", { from: 0, to: Infinity })).map((m) => m.t),
      hours: (await a.store.read("hour", { from: 0, to: Infinity })).map((h) => h.t),
      days: (await a.store.days(0, Infinity)).map((d) => d.day),
    });
    await run(clock, 2 * HOUR_MS + MINUTE_MS + INTERVAL_MS, [a]);
    const before = await stored();
    equal(before.minutes.length, 121);
    deepEqual(before.hours, [START, START + HOUR_MS]);

    // The server is off for two days; it prunes with the first minute it writes after.
    clock.advance(2 * DAY_MS);
    await run(clock, HOUR_MS, [a]);
    const afterTwoDays = await stored();
    ok(afterTwoDays.minutes.every((t) => t >= clock.now() - 48 * HOUR_MS), "no minute past 48 h");
    equal(afterTwoDays.minutes.length, 60);
    deepEqual(afterTwoDays.hours.slice(0, 2), [START, START + HOUR_MS], "hours stay");
    deepEqual(afterTwoDays.days, [START, START + DAY_MS * 2]);

    // 89 days later the first hours are past 90 days; the hour after the gap is not.
    clock.advance(89 * DAY_MS);
    await run(clock, 2 * MINUTE_MS, [a]);
    const later = await stored();
    ok(!later.hours.includes(START) && !later.hours.includes(START + HOUR_MS));
    ok(later.hours.includes(START + 2 * DAY_MS + 2 * HOUR_MS), `hours kept: ${later.hours}`);
    deepEqual(later.days, [START + 2 * DAY_MS, START + 91 * DAY_MS], "days past 90 go");
    await a.recorder.close();
  });
});

Deno.test("recorder: a store outage makes a down incident with its reason, closed when it ends", async () => {
  await withKv(async (kv, clock) => {
    const a = instance(kv, clock, "a");
    await run(clock, 2 * MINUTE_MS, [a]);
    // Every isolate reports its store failing for three minutes.
    a.metrics.kvUp.set(0);
    await run(clock, 3 * MINUTE_MS, [a]);
    a.metrics.kvUp.set(1);
    await run(clock, 3 * MINUTE_MS, [a]);

    const [incident, ...others] = await a.store.incidents({ from: 0, limit: 10 });
    equal(others.length, 0);
    equal(incident.status, "down");
    deepEqual(incident.reasons, ["the store is not answering"]);
    equal(incident.start, START + 2 * MINUTE_MS);
    equal(incident.end, START + 5 * MINUTE_MS);
    const [day] = await a.store.days(0, Infinity);
    equal(day.down, 3);
    equal(day.ok, 4);
    await a.recorder.close();
  });
});

Deno.test("recorder: a status that flaps within five minutes is one incident", async () => {
  await withKv(async (kv, clock) => {
    const a = instance(kv, clock, "a");
    await run(clock, MINUTE_MS, [a]);
    for (let flap = 0; flap < 3; flap++) {
      a.metrics.kvUp.set(0);
      await run(clock, MINUTE_MS, [a]);
      a.metrics.kvUp.set(1);
      await run(clock, 2 * MINUTE_MS, [a]);
    }
    await run(clock, 6 * MINUTE_MS, [a]);
    const incidents = await a.store.incidents({ from: 0, limit: 10 });
    equal(incidents.length, 1);
    ok(incidents[0].end !== null);
    await a.recorder.close();
  });
});

Deno.test("recorder: two instances on one store write one series, and the other takes over", async () => {
  await withKv(async (kv, clock) => {
    const a = instance(kv, clock, "a");
    const b = instance(kv, clock, "b");
    await run(clock, 5 * MINUTE_MS + INTERVAL_MS, [a, b]);
    equal([a, b].filter((one) => one.recorder.writing).length, 1);
    const [writer, other] = a.recorder.writing ? [a, b] : [b, a];
    let minutes = await a.store.read("minute", { from: 0, to: Infinity, detail: true });
    equal(minutes.length, 5, "one series, not two");
    // Each instance sees only itself (separate views): the series is the writer's.
    ok(minutes.every((minute) => minute.instances[0].id === writer.id));

    // The writer stops without a word; the other takes the lease once it expires.
    await run(clock, 2 * MINUTE_MS, [other]);
    ok(other.recorder.writing);
    minutes = await a.store.read("minute", { from: 0, to: Infinity, detail: true });
    const times = minutes.map((minute) => minute.t);
    deepEqual(times, Array.from({ length: 7 }, (_, index) => START + index * MINUTE_MS));
    equal(minutes[5].instances[0].id, other.id, "the minute the writer missed, from the other");
    await other.recorder.close();
  });
});

Deno.test("recorder: closing releases the lease, so the other instance writes the next minute", async () => {
  await withKv(async (kv, clock) => {
    const a = instance(kv, clock, "a");
    await run(clock, MINUTE_MS, [a]);
    const b = instance(kv, clock, "b");
    await run(clock, 2 * MINUTE_MS, [a, b]);
    ok(a.recorder.writing && !b.recorder.writing);
    await a.recorder.close();
    await run(clock, MINUTE_MS + INTERVAL_MS, [b]);
    ok(b.recorder.writing);
    const minutes = await b.store.read("minute", { from: 0, to: Infinity });
    deepEqual(
      minutes.map((minute) => minute.t),
      Array.from({ length: 4 }, (_, index) => START + index * MINUTE_MS),
    );
    await b.recorder.close();
  });
});

Deno.test("recorder: minutes held while the store fails are written when it answers again", async () => {
  await withKv(async (kv, clock) => {
    const real = createKvStatusHistoryStore({ kv });
    let failing = false;
    const flaky: StatusHistoryStore = {
      ...real,
      appendMinute: (minute, fence) =>
        failing ? Promise.reject(new Error("store down")) : real.appendMinute(minute, fence),
    };
    const errors: unknown[] = [];
    const a = instance(kv, clock, "a", flaky);
    const recorder = createStatusRecorder({
      clock,
      view: a.view,
      store: flaky,
      lease: createKvLease({ kv, clock, name: "status_history", holder: "a" }),
      intervalMs: INTERVAL_MS,
      onError: (error) => errors.push(error),
    });
    const tick = async () => {
      a.view.receive(a.metrics.snapshot({ ttlMs: 3 * INTERVAL_MS }));
      recorder.sample();
      await recorder.settled();
    };
    for (let index = 0; index < 24; index++) {
      clock.advance(INTERVAL_MS);
      // The first minute is written at the 13th tick; the store fails from the 14th.
      if (index === 13) failing = true;
      await tick();
    }
    for (let index = 0; index < 12 * 5; index++) {
      clock.advance(INTERVAL_MS);
      await tick();
    }
    ok(errors.length > 0);
    equal((await real.read("minute", { from: 0, to: Infinity })).length, 1);
    failing = false;
    clock.advance(INTERVAL_MS);
    await tick();
    const times = (await real.read("minute", { from: 0, to: Infinity })).map((m) => m.t);
    deepEqual(times, Array.from({ length: 7 }, (_, index) => START + index * MINUTE_MS));
    await recorder.close();
  });
});

Deno.test("recorder: the last five minutes add up; a quiet server keeps the last values, across restarts", async () => {
  await withKv(async (kv, clock) => {
    const a = instance(kv, clock, "a");
    await run(clock, MINUTE_MS, [a], () => a.chat("general", 40));
    const busy = a.recorder.recent();
    equal(busy.window_s, 300);
    equal(busy.messages, 12);
    equal(busy.deliveries, 12);
    ok(busy.delivery_ms.p99! > 25 && busy.delivery_ms.p99! <= 50);

    await run(clock, 10 * MINUTE_MS, [a]);
    const quiet = a.recorder.recent();
    deepEqual([quiet.messages, quiet.deliveries, quiet.delivery_ms.p99], [0, 0, null]);
    const known = a.recorder.lastKnown();
    equal(known.message_at, START + MINUTE_MS);
    equal(known.delivery?.at, START + MINUTE_MS);
    ok(known.delivery!.p99 > 25);
    await a.recorder.close();

    // A new process on the same store starts with what the history knows.
    const restarted = instance(kv, clock, "c");
    await restarted.recorder.start();
    const remembered = restarted.recorder.lastKnown();
    equal(remembered.message_at, START + MINUTE_MS, "the end of the minute it was in");
    ok(remembered.delivery!.p99 > 25);
    await restarted.recorder.close();
  });
});

/**
 * The cluster contracts on the postgres engine, as several processes on one
 * `DATABASE_URL` run it: each instance has its own pool (so its own
 * listening connection), and nothing but the database joins them (no
 * BroadcastChannel: the engine uses none). Then what only this engine has: a
 * notification lost while an instance's listening connection was away is
 * caught up from the log when it comes back, and an instance that could not
 * list the others for a while does not drop them before they could beat.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createPgCluster } from "../../lib/server/cluster/postgres/pg_cluster.ts";
import { connectPostgres } from "../../lib/server/postgres/mod.ts";
import { newInstanceId } from "../../lib/server/cluster/mod.ts";
import { type Clock, createSystemClock } from "../../lib/time/clock.ts";
import {
  type ClusterFixture,
  DEADLINE_MS,
  LONG_EXPIRY_MS,
  when,
  within,
} from "../contracts/cluster_fixture.ts";
import { clusterEventsContract } from "../contracts/cluster_events.ts";
import { clusterFeedContract } from "../contracts/cluster_feed.ts";
import { clusterInstancesContract } from "../contracts/cluster_instances.ts";
import { clusterRateLimitsContract } from "../contracts/cluster_rate_limits.ts";
import { clusterSharesContract } from "../contracts/cluster_shares.ts";
import { migratedDatabase, type PrivatePostgres, privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();
const user = { id: "u-ada", name: "ada", role: "user" as const };

function onDatabase(cluster: PrivatePostgres): () => Promise<ClusterFixture> {
  return async () => {
    const database = await migratedDatabase(cluster);
    return {
      start: async ({ expiryMs }) =>
        createPgCluster({
          sql: (await database.pool(4)).sql,
          clock: createSystemClock(),
          instance: newInstanceId(),
          expiryMs,
          log: { historyMax: 1_000 },
        }),
      close: database.close,
    };
  };
}

if (pg) {
  clusterEventsContract("postgres", onDatabase(pg));
  clusterFeedContract("postgres", onDatabase(pg));
  clusterInstancesContract("postgres", onDatabase(pg));
  clusterSharesContract("postgres", onDatabase(pg));
  clusterRateLimitsContract("postgres", onDatabase(pg));
}

if (pg) {
  Deno.test("cluster (postgres): a notification lost while the listener was away is caught up from the log", async () => {
    const database = await migratedDatabase(pg);
    const admin = await database.pool(2);
    // The reader connects as a role of its own, so its listening connection can be cut and kept
    // from coming back while a commit's notification goes out.
    const role = `listener_${crypto.randomUUID().slice(0, 8)}`;
    await admin.sql.unsafe(`create role ${role} login`);
    await admin.sql.unsafe(`grant all on all tables in schema public to ${role}`);
    const readerDb = await connectPostgres({
      url: database.url.replace("//postgres@", `//${role}@`),
      poolSize: 2,
    });
    const clock = createSystemClock();
    const start = (sql: typeof admin.sql) =>
      createPgCluster({
        sql,
        clock,
        instance: newInstanceId(),
        expiryMs: LONG_EXPIRY_MS,
        log: { historyMax: 1_000 },
      });
    const writer = await start(admin.sql);
    const reader = await start(readerDb.sql);
    try {
      const heard: number[] = [];
      const next = () => {
        const { promise, resolve } = Promise.withResolvers<void>();
        const stop = reader.feed.subscribe("general", (message) => {
          heard.push(message.seq);
          stop();
          resolve();
        });
        return within(DEADLINE_MS, "a message", promise);
      };
      const send = async (cid: string) => {
        const result = await writer.log.commit({ room: "general", user, text: cid, cid });
        if (result.created) writer.feed.publish(result.message);
      };
      const keep = reader.feed.subscribe("general", () => {});
      await reader.feed.idle();
      const first = next();
      await send("c1");
      await first;

      await admin.sql.unsafe(`alter role ${role} nologin`);
      const [cut] = await admin.sql<{ cut: boolean }[]>`
        select pg_terminate_backend(pid, 5000) as cut from pg_stat_activity
        where usename = ${role} and query ilike 'listen %'`;
      equal(cut?.cut, true, "the reader's listening connection was cut");
      await send("c2"); // its notification reaches nobody on the reader's side
      const second = next();
      await admin.sql.unsafe(`alter role ${role} login`);
      await second;
      deepEqual(heard, [1, 2]);
      keep();
    } finally {
      await reader.close();
      await writer.close();
      await readerDb.close();
      await admin.sql.unsafe(`drop owned by ${role}`).catch(() => {});
      await database.close();
    }
  });
}

/** A clock moved by hand whose timers never fire: an instance that stalls (no beats, no lists). */
function stalledClock(start: number) {
  let now = start;
  const clock: Clock = {
    now: () => now,
    setTimeout: () => 0,
    clearTimeout: () => {},
    setInterval: () => 0,
    clearInterval: () => {},
  };
  return { clock, jump: (ms: number) => void (now += ms) };
}

if (pg) {
  Deno.test("cluster (postgres): after a spell without listing, peers get one expiry to show a beat", async () => {
    const database = await migratedDatabase(pg);
    const expiryMs = 1_000;
    const [onA, onB] = [stalledClock(Date.now()), stalledClock(Date.now())];
    const start = async (clock: Clock) =>
      createPgCluster({
        sql: (await database.pool(2)).sql,
        clock,
        instance: newInstanceId(),
        expiryMs,
        log: { historyMax: 1_000 },
      });
    const a = await start(onA.clock);
    const b = await start(onB.clock);
    try {
      await within(
        DEADLINE_MS,
        "A to see B",
        when((listener) => a.instances.onJoined(listener), () => a.instances.isLive(b.instance)),
      );
      // A could not list for twice the expiry (PostgreSQL unreachable, the process stalled): it
      // saw no beat of B's, which says nothing about B, who was as cut off.
      onA.jump(2 * expiryMs);
      equal(await a.sweep(), 0, "B is not dropped at A's first list after the spell");
      ok(a.instances.isLive(b.instance));
      // A lists on (more often than the expiry); B shows no beat within the expiry: now it is gone.
      onA.jump(expiryMs / 2);
      equal(await a.sweep(), 0);
      onA.jump(expiryMs / 2);
      equal(await a.sweep(), 1);
      equal(a.instances.isLive(b.instance), false);
    } finally {
      await a.close();
      await b.close();
      await database.close();
    }
  });
}

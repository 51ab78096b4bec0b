/**
 * Faults of a cluster of three `serve.ts` processes on one private
 * PostgreSQL, under traffic (publishers and subscribers on every process,
 * `../_helpers/resuming_traffic.ts`):
 *
 * - one process killed with SIGKILL: its clients reconnect to a survivor,
 *   resume with `since`, resend what was not acked with the same `cid`;
 * - PostgreSQL stopped for 10 s (many cluster expiries), then started: sends
 *   while it is down are refused with an error (never acked), `/readyz` says
 *   503, and once it is back the processes carry on without a restart (and
 *   count each other again), and the refused sends are resent.
 *
 * Either way: 0 lost, 0 duplicated, 0 reordered acked messages. The file has
 * its PostgreSQL to itself, since it stops it.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { StatusDetail } from "../../lib/protocol/mod.ts";
import { createPgMessageStore } from "../../lib/server/store/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { checkDelivery, createTraffic } from "../_helpers/resuming_traffic.ts";
import { privatePostgres } from "../_helpers/postgres.ts";
import { within } from "../_helpers/within.ts";
import { type PgProcesses, PROCESS_EXPIRY_MS, startPgProcesses, wsUrlOf } from "./_processes.ts";

const pg = privatePostgres();
const ROOM = "general";
const PER_PUBLISHER = 60;
const DEADLINE_MS = 30_000;
/** How long PostgreSQL stays down: the 10 s, many times the cluster expiry. */
const OUTAGE_MS = Math.max(10_000, 2 * PROCESS_EXPIRY_MS);

/** The room's whole log, read from the database. */
function readLog(cluster: PgProcesses, total: number) {
  const store = createPgMessageStore(cluster.db.sql, {
    historyMax: 10_000,
    clock: createSystemClock(),
  });
  return store.history(ROOM, { after: 0, limit: total + 10 });
}

/** Subscribers and publishers on each of the three processes, each with a fallback. */
async function startTraffic(cluster: PgProcesses) {
  const [a, b, c] = cluster.processes.map(wsUrlOf);
  const total = 3 * PER_PUBLISHER;
  const traffic = createTraffic({
    room: ROOM,
    perPublisher: PER_PUBLISHER,
    token: (name) => cluster.token(name),
    paceMs: 10,
  });
  const subscribers = [
    await traffic.subscriber("sub-a", a, b, total),
    await traffic.subscriber("sub-c", c, b, total),
    await traffic.subscriber("sub-b", b, a, total),
  ];
  const publishers = [
    await traffic.publisher("pub-c", c, a),
    await traffic.publisher("pub-a", a, b),
    await traffic.publisher("pub-b", b, a),
  ];
  const all = [...subscribers, ...publishers];
  return {
    total,
    subscribers,
    publishers,
    finished: () =>
      within(
        DEADLINE_MS,
        "every ack and every delivery",
        Promise.all([
          ...publishers.map((p) => p.done),
          ...publishers.map((p) => p.run),
          ...subscribers.map((s) => s.done),
        ]),
      ),
    close: () => all.forEach((peer) => peer.close()),
  };
}

if (pg) {
  Deno.test("processes: kill -9 one of three mid-traffic: 0 lost, 0 duplicated, 0 reordered", async () => {
    await using cluster = await startPgProcesses(pg, 3);
    const traffic = await startTraffic(cluster);
    try {
      const killedPublisher = traffic.publishers[0];
      await within(DEADLINE_MS, "acks before the kill", killedPublisher.acks(20));
      const ackedBeforeKill = killedPublisher.acked.size;
      await cluster.processes[2].kill();
      await traffic.finished();
      const log = await readLog(cluster, traffic.total);
      checkDelivery(log, traffic.publishers, traffic.subscribers, {
        total: traffic.total,
        inSendOrder: true,
      });
      ok(ackedBeforeKill < PER_PUBLISHER, `${ackedBeforeKill} acked before the kill`);
      deepEqual(
        [...traffic.subscribers, ...traffic.publishers].map(({ moves }) => moves.length),
        [0, 1, 0, 1, 0, 0],
        "only the killed process's clients moved",
      );
    } finally {
      traffic.close();
    }
  });

  Deno.test("processes: PostgreSQL restarted mid-traffic: sends fail clearly, all recover", async () => {
    await using cluster = await startPgProcesses(pg, 3);
    const [a] = cluster.processes;
    const traffic = await startTraffic(cluster);
    try {
      await within(DEADLINE_MS, "acks before the restart", traffic.publishers[0].acks(15));
      await pg.stop();
      try {
        const readyz = await fetch(`${a.origin}/readyz`);
        await readyz.body?.cancel();
        equal(readyz.status, 503, "not ready while PostgreSQL is down");
        // The publishers keep sending: the refusals come back as errors, never as acks.
        await within(
          DEADLINE_MS,
          "a refusal",
          Promise.race(traffic.publishers.map((publisher) => publisher.refusals(1))),
        );
        // The outage itself lasts twice the expiry (a duration, not an event to await), so the
        // processes' heartbeats lapse meanwhile and they must find each other again.
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      } finally {
        await pg.start();
      }
      await traffic.finished();
      const log = await readLog(cluster, traffic.total);
      checkDelivery(log, traffic.publishers, traffic.subscribers, {
        total: traffic.total,
        inSendOrder: false,
      });
      ok(traffic.publishers.some((publisher) => publisher.refused > 0), "sends were refused");
      deepEqual(
        [...traffic.subscribers, ...traffic.publishers].map(({ moves }) => moves.length),
        [0, 0, 0, 0, 0, 0],
        "no socket was dropped",
      );
      const admin = await cluster.token("root", "admin");
      await within(
        DEADLINE_MS,
        "every process counted again",
        (async () => {
          for (;;) {
            const response = await fetch(`${a.origin}/api/status`, {
              headers: { authorization: `Bearer ${admin}` },
            });
            const status: StatusDetail = await response.json();
            if (status.cluster.instances === 3) return;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })(),
      );
    } finally {
      traffic.close();
    }
  });
}

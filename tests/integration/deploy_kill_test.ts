/**
 * The delivery guarantee across instances that share only a KV database
 * (`_topology.ts`), when one of them is killed mid-traffic: publishers and
 * subscribers on all three instances; the one on the killed instance
 * reconnect to a survivor, subscribers resume with `since`, publishers resend
 * what was not acked with the same `cid` (`../_helpers/resuming_traffic.ts`).
 * Afterwards every acked message is in the log once, and every subscriber
 * received every message once, in seq order: 0 lost, 0 duplicated, 0 reordered.
 */
import { deepEqual, ok } from "node:assert/strict";
import { checkDelivery, createTraffic } from "../_helpers/resuming_traffic.ts";
import { CROSSING_DEADLINE_MS, startTopology, within } from "./_topology.ts";

const ROOM = "general";
const PER_PUBLISHER = 60;
/** The killed instance's publisher has this many acked before the kill. */
const KILL_AFTER_ACKS = 20;

Deno.test("kill one of three instances mid-traffic: 0 lost, 0 duplicated, 0 reordered", async () => {
  await using topology = await startTopology(3, { CLUSTER: "kv" });
  const [a, b, c] = topology.instances;
  const total = 3 * PER_PUBLISHER;
  const traffic = createTraffic({
    room: ROOM,
    perPublisher: PER_PUBLISHER,
    token: (name) => topology.token(name),
  });

  const subscribers = [
    await traffic.subscriber("sub-a", a.wsUrl, b.wsUrl, total),
    await traffic.subscriber("sub-c", c.wsUrl, b.wsUrl, total),
    await traffic.subscriber("sub-b", b.wsUrl, a.wsUrl, total),
  ];
  const publishers = [
    await traffic.publisher("pub-c", c.wsUrl, a.wsUrl),
    await traffic.publisher("pub-a", a.wsUrl, b.wsUrl),
    await traffic.publisher("pub-b", b.wsUrl, a.wsUrl),
  ];
  try {
    await within(CROSSING_DEADLINE_MS, "acks before the kill", publishers[0].acks(KILL_AFTER_ACKS));
    const ackedBeforeKill = publishers[0].acked.size;
    await c.kill();
    await within(
      3 * CROSSING_DEADLINE_MS,
      "every ack and every delivery",
      Promise.all([
        ...publishers.map((p) => p.done),
        ...publishers.map((p) => p.run),
        ...subscribers.map((s) => s.done),
      ]),
    );

    const log = await a.services.cluster.log.history(ROOM, { after: 0, limit: total + 10 });
    checkDelivery(log, publishers, subscribers, { total, inSendOrder: true });
    // The kill came mid-traffic, and only the killed instance's clients moved.
    ok(ackedBeforeKill < PER_PUBLISHER, `${ackedBeforeKill} acked before the kill`);
    deepEqual(
      [...subscribers, ...publishers].map(({ moves }) => moves.length),
      [0, 1, 0, 1, 0, 0],
    );
  } finally {
    for (const peer of [...subscribers, ...publishers]) peer.close();
  }
});

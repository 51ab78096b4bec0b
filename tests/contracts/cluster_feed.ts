/**
 * The contract of a cluster engine's log and fan-out: a message committed on
 * any instance reaches every subscriber of its room on every instance, once,
 * in seq order, however commits from several instances interleave.
 *
 * @example
 * ```ts
 * clusterFeedContract("kv", setupKvFixture);
 * ```
 */
import { deepEqual } from "node:assert/strict";
import type { Message } from "../../lib/protocol/mod.ts";
import type { Cluster } from "../../lib/server/cluster/mod.ts";
import { type ClusterFixture, clusterTest, DEADLINE_MS, when, within } from "./cluster_fixture.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };

/** Subscribes to a room and collects its seqs; `reached(n)` resolves at n. */
function collect(cluster: Cluster, room: string) {
  const seqs: number[] = [];
  const listeners = new Set<() => void>();
  cluster.feed.subscribe(room, (message: Message) => {
    seqs.push(message.seq);
    listeners.forEach((listener) => listener());
  });
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const reached = (count: number) =>
    within(DEADLINE_MS, `${count} messages`, when(subscribe, () => seqs.length >= count));
  return { seqs, reached };
}

/** Commits `count` messages on `cluster` at once, publishing each as the server does. */
async function commit(cluster: Cluster, count: number, prefix: string) {
  await Promise.all(Array.from({ length: count }, async (_, index) => {
    const result = await cluster.log.commit({
      room: "general",
      user: ada,
      text: `${prefix} ${index}`,
      cid: `${prefix}-${index}`,
    });
    if (result.created) cluster.feed.publish(result.message);
  }));
}

const seqsThrough = (last: number) => Array.from({ length: last }, (_, index) => index + 1);

/** Registers the feed contract's tests for one engine. */
export function clusterFeedContract(engine: string, setup: () => Promise<ClusterFixture>) {
  const test = clusterTest("cluster feed", engine, setup);

  test("commits on every instance reach every subscriber once, in seq order", async (start) => {
    const instances = [await start(), await start(), await start()];
    const heard = instances.map((cluster) => collect(cluster, "general"));
    await Promise.all(instances.map((cluster) => cluster.feed.idle()));
    await Promise.all(instances.map((cluster, index) => commit(cluster, 10, `i${index}`)));
    await Promise.all(heard.map((collected) => collected.reached(30)));
    await Promise.all(instances.map((cluster) => cluster.feed.idle()));
    for (const collected of heard) deepEqual(collected.seqs, seqsThrough(30));
  });

  test("a subscriber hears an instance it shares nothing else with", async (start) => {
    const [writer, reader] = [await start(), await start()];
    const heard = collect(reader, "general");
    await reader.feed.idle();
    await commit(writer, 25, "w");
    await heard.reached(25);
    await reader.feed.idle();
    deepEqual(heard.seqs, seqsThrough(25));
  });
}

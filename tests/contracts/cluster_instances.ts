/**
 * The contract of a cluster engine's instance directory: every instance sees
 * the others alive; one that says goodbye is gone at once, one that stops
 * without a word within its expiry and one heartbeat.
 *
 * @example
 * ```ts
 * clusterInstancesContract("kv", setupKvFixture);
 * ```
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Cluster } from "../../lib/server/cluster/mod.ts";
import {
  type ClusterFixture,
  clusterTest,
  DEADLINE_MS,
  SHORT_EXPIRY_MS,
  when,
  within,
} from "./cluster_fixture.ts";

/** Resolves once `cluster` counts `ids` alive, exactly. */
function sees(cluster: Cluster, ids: string[]) {
  const matches = () => deepEqual([...cluster.instances.live()].sort(), [...ids].sort());
  const holds = () => {
    try {
      matches();
      return true;
    } catch {
      return false;
    }
  };
  const subscribe = (listener: () => void) => {
    const stops = [cluster.instances.onJoined(listener), cluster.instances.onGone(listener)];
    return () => stops.forEach((stop) => stop());
  };
  return within(DEADLINE_MS, `${cluster.instance} to see ${ids}`, when(subscribe, holds));
}

/** Resolves with the id of the next instance `cluster` says is gone. */
function nextGone(cluster: Cluster): Promise<string> {
  return new Promise((resolve) => {
    const stop = cluster.instances.onGone((id) => {
      stop();
      resolve(id);
    });
  });
}

/** Registers the instances contract's tests for one engine. */
export function clusterInstancesContract(engine: string, setup: () => Promise<ClusterFixture>) {
  const test = clusterTest("cluster instances", engine, setup);

  test("every instance sees every other alive, itself first", async (start) => {
    const [a, b, c] = [await start(), await start(), await start()];
    const ids = [a.instance, b.instance, c.instance];
    await Promise.all([sees(a, ids), sees(b, ids), sees(c, ids)]);
    equal(a.instances.live()[0], a.instance);
    ok(a.instances.isLive(c.instance));
    equal(a.instances.isLive("someone-else"), false);
    equal(a.info().instances, 3);
    equal(a.info().engine, engine);
  });

  test("an instance that says goodbye is gone at once", async (start) => {
    const [a, b] = [await start(), await start()];
    await sees(a, [a.instance, b.instance]);
    const gone = nextGone(a);
    await b.close();
    equal(await within(DEADLINE_MS, "the goodbye", gone), b.instance);
    equal(a.instances.isLive(b.instance), false);
  });

  test("an instance that stops without a word is gone within its expiry", async (start) => {
    const a = await start({ expiryMs: SHORT_EXPIRY_MS });
    const b = await start({ expiryMs: SHORT_EXPIRY_MS });
    await sees(a, [a.instance, b.instance]);
    const gone = nextGone(a);
    const stoppedAt = Date.now();
    await b.close({ goodbye: false });
    equal(await within(DEADLINE_MS, "the expiry", gone), b.instance);
    const tookMs = Date.now() - stoppedAt;
    // The expiry and one heartbeat, with room for a busy machine.
    ok(tookMs < 2 * SHORT_EXPIRY_MS + 1_000, `gone after ${tookMs} ms`);
  });
}

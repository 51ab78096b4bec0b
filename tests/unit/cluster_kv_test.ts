/**
 * The cluster contracts on the kv engine: instances that share one Deno KV
 * database and nothing else (no BroadcastChannel: the kv engine uses none).
 * They share one handle, as a KV watch on a local file does not see another
 * process's commits; Deno Deploy's KV and KV Connect see every instance's.
 */
import { createKvCluster } from "../../lib/server/cluster/kv/kv_cluster.ts";
import { newInstanceId } from "../../lib/server/cluster/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import type { ClusterFixture } from "../contracts/cluster_fixture.ts";
import { clusterEventsContract } from "../contracts/cluster_events.ts";
import { clusterFeedContract } from "../contracts/cluster_feed.ts";
import { clusterInstancesContract } from "../contracts/cluster_instances.ts";
import { clusterRateLimitsContract } from "../contracts/cluster_rate_limits.ts";
import { clusterSharesContract } from "../contracts/cluster_shares.ts";

async function setup(): Promise<ClusterFixture> {
  const kv = await Deno.openKv(":memory:");
  return {
    start: ({ expiryMs }) =>
      createKvCluster({
        kv,
        clock: createSystemClock(),
        instance: newInstanceId(),
        expiryMs,
        log: { historyMax: 1_000 },
      }),
    close: () => kv.close(),
  };
}

clusterEventsContract("kv", setup);
clusterFeedContract("kv", setup);
clusterInstancesContract("kv", setup);
clusterSharesContract("kv", setup);
clusterRateLimitsContract("kv", setup);

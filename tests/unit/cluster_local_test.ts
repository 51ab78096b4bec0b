/**
 * The cluster contracts on the local engine: instances are isolates of one
 * process on one BroadcastChannel namespace (here, several in one isolate,
 * which the channel joins the same way), sharing a KV database.
 */
import { createLocalCluster } from "../../lib/server/cluster/local/local_cluster.ts";
import { kvLocalStores, newInstanceId } from "../../lib/server/cluster/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import type { ClusterFixture } from "../contracts/cluster_fixture.ts";
import { clusterEventsContract } from "../contracts/cluster_events.ts";
import { clusterFeedContract } from "../contracts/cluster_feed.ts";
import { clusterInstancesContract } from "../contracts/cluster_instances.ts";
import { clusterRateLimitsContract } from "../contracts/cluster_rate_limits.ts";
import { clusterSharesContract } from "../contracts/cluster_shares.ts";

async function setup(): Promise<ClusterFixture> {
  const kv = await Deno.openKv(":memory:");
  const namespace = `cluster-contract-${crypto.randomUUID()}`;
  const clock = createSystemClock();
  return {
    start: ({ expiryMs }) =>
      createLocalCluster({
        // Each instance its own stores on the shared database, as each isolate has.
        stores: kvLocalStores({ kv, clock, log: { historyMax: 1_000 } }),
        clock,
        instance: newInstanceId(),
        namespace,
        expiryMs,
      }),
    close: () => kv.close(),
  };
}

clusterEventsContract("local", setup);
clusterFeedContract("local", setup);
clusterInstancesContract("local", setup);
clusterSharesContract("local", setup);
clusterRateLimitsContract("local", setup);

/**
 * The cluster contracts on the local engine over PostgreSQL, as `DATABASE_URL`
 * runs it: instances are isolates of one process on one BroadcastChannel
 * namespace (here, several in one isolate), each with its own pool, log,
 * rate limits and leases on one migrated database.
 */
import { createLocalCluster } from "../../lib/server/cluster/local/local_cluster.ts";
import { createPgLease, createPgRateLimits, newInstanceId } from "../../lib/server/cluster/mod.ts";
import { createPgMessageStore } from "../../lib/server/store/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import type { ClusterFixture } from "../contracts/cluster_fixture.ts";
import { clusterEventsContract } from "../contracts/cluster_events.ts";
import { clusterFeedContract } from "../contracts/cluster_feed.ts";
import { clusterInstancesContract } from "../contracts/cluster_instances.ts";
import { clusterRateLimitsContract } from "../contracts/cluster_rate_limits.ts";
import { clusterSharesContract } from "../contracts/cluster_shares.ts";
import { migratedDatabase, type PrivatePostgres, privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();

function onDatabase(cluster: PrivatePostgres): () => Promise<ClusterFixture> {
  return async () => {
    const database = await migratedDatabase(cluster);
    const namespace = `cluster-contract-${crypto.randomUUID()}`;
    const clock = createSystemClock();
    return {
      start: async ({ expiryMs }) => {
        const { sql } = await database.pool(4);
        return createLocalCluster({
          stores: {
            log: createPgMessageStore(sql, { historyMax: 1_000, clock }),
            rateLimits: createPgRateLimits({ sql, clock }),
            lease: (name, holder, ttlMs) => createPgLease({ sql, clock, name, holder, ttlMs }),
          },
          clock,
          instance: newInstanceId(),
          namespace,
          expiryMs,
        });
      },
      close: database.close,
    };
  };
}

if (pg) {
  clusterEventsContract("local", onDatabase(pg));
  clusterFeedContract("local", onDatabase(pg));
  clusterInstancesContract("local", onDatabase(pg));
  clusterSharesContract("local", onDatabase(pg));
  clusterRateLimitsContract("local", onDatabase(pg));
}

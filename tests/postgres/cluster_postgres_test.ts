/**
 * The cluster contracts on the postgres engine, as several processes on one
 * `DATABASE_URL` run it: each instance has its own pool (so its own
 * listening connection), and nothing but the database joins them (no
 * BroadcastChannel: the engine uses none). The lease contract runs on its
 * leases.
 */
import { createPgCluster } from "../../lib/server/cluster/postgres/pg_cluster.ts";
import { newInstanceId } from "../../lib/server/cluster/mod.ts";
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

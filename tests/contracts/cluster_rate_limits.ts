/**
 * The contract of a cluster engine's rate limits: a bucket is one bucket for
 * every instance, and a token is never granted twice.
 *
 * @example
 * ```ts
 * clusterRateLimitsContract("kv", setupKvFixture);
 * ```
 */
import { equal, ok } from "node:assert/strict";
import type { BucketSpec } from "../../lib/server/cluster/mod.ts";
import { type ClusterFixture, clusterTest } from "./cluster_fixture.ts";

const bucket = (key: string, burst = 10): BucketSpec => ({
  name: "contract",
  key,
  burst,
  perSecond: 1 / 3600,
});

/** Registers the rate limits contract's tests for one engine. */
export function clusterRateLimitsContract(engine: string, setup: () => Promise<ClusterFixture>) {
  const test = clusterTest("cluster rate limits", engine, setup);

  test("instances taking from one bucket at once are granted its burst, no more", async (start) => {
    const instances = [await start(), await start(), await start()];
    const takes = instances.flatMap((cluster) =>
      Array.from({ length: 8 }, () => cluster.rateLimits.take([bucket("203.0.113.9")]))
    );
    const waits = await Promise.all(takes);
    equal(waits.filter((wait) => wait === 0).length, 10);
    ok(
      waits.filter((wait) => wait > 0).every((wait) => wait > 1_000),
      "the rest wait for a refill",
    );
  });

  test("buckets taken together are each charged; the wait is the emptiest's", async (start) => {
    const [a, b] = [await start(), await start()];
    equal(await a.rateLimits.take([bucket("x", 1)]), 0);
    const wait = await b.rateLimits.take([bucket("x", 1), bucket("y", 5)]);
    ok(wait > 1_000, "x is empty");
    // y was charged even though x refused: 4 of its 5 are left.
    for (let left = 4; left > 0; left--) equal(await a.rateLimits.take([bucket("y", 5)]), 0);
    ok(await b.rateLimits.take([bucket("y", 5)]) > 0);
  });
}

/**
 * `bench/cluster_kv_ops.ts` at a small size, so it cannot rot, and so the
 * costs docs/deploy.md states hold: a chat message costs its one commit and no
 * other write with either engine, and a kv instance opens one watch of ten
 * keys whatever it serves.
 */
import { equal, ok } from "node:assert/strict";
import { measureClusterOps } from "../../bench/cluster_kv_ops.ts";

Deno.test("cluster KV operations: one write per message with either engine, one watch of ten keys", async () => {
  const size = { instances: 2, connections: 4, messages: 10, idleS: 1 };
  const local = await measureClusterOps({ engine: "local", ...size });
  const kv = await measureClusterOps({ engine: "kv", ...size });
  for (const result of [local, kv]) {
    ok(
      Math.abs(result.perMessage.writes - 1) < 0.2,
      `${result.engine}: ${result.perMessage.writes}`,
    );
  }
  equal(local.watchesPerInstance, 0);
  equal(kv.watchesPerInstance, 1);
  equal(kv.watchedKeysPerInstance, 10);
  ok(kv.perConnection.writes > 0, "with kv, a connection and its join are shared through KV");
  ok(kv.propagationMs.max < 5_000);
});

/**
 * What is particular to the kv engine, beyond the contracts it passes: what a
 * dead instance leaves in KV is cleared, an instance whose heartbeat lapsed
 * counts again once it beats, and a reader that finds records of a stream
 * missing says so (its engine then reloads that instance's shares).
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { z } from "zod";
import { fail } from "node:assert/strict";
import { createKvCluster } from "../../lib/server/cluster/kv/kv_cluster.ts";
import { createKvOutbox } from "../../lib/server/cluster/kv/kv_outbox.ts";
import { createKvStreamReader } from "../../lib/server/cluster/kv/kv_stream_reader.ts";
import { type Cluster, newInstanceId } from "../../lib/server/cluster/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { DEADLINE_MS, SHORT_EXPIRY_MS, when, within } from "../contracts/cluster_fixture.ts";

const Count = z.number().int().positive();

function start(kv: Deno.Kv) {
  return createKvCluster({
    kv,
    clock: createSystemClock(),
    instance: newInstanceId(),
    expiryMs: SHORT_EXPIRY_MS,
    log: { historyMax: 100 },
  });
}

/** Resolves once `cluster`'s counts hold `expected` from the others under `key`. */
function others(cluster: Cluster, key: string, expected: number[]) {
  const counts = cluster.keyedShares("counts", { schema: Count });
  const holds = () => JSON.stringify(counts.others(key)) === JSON.stringify(expected);
  return within(
    DEADLINE_MS,
    `${key} = ${expected}`,
    when((listener) => counts.onChange(listener), holds),
  );
}

async function keysUnder(kv: Deno.Kv, prefix: Deno.KvKey): Promise<Deno.KvKey[]> {
  const keys = [];
  for await (const { key } of kv.list({ prefix })) keys.push(key);
  return keys;
}

Deno.test("kv engine: the janitor clears what an instance that died left in KV", async () => {
  const kv = await Deno.openKv(":memory:");
  const [a, b] = [await start(kv), await start(kv)];
  try {
    const counts = b.keyedShares("counts", { schema: Count });
    counts.set("u ada", 1);
    await counts.flushed();
    await others(a, "u ada", [1]);
    ok((await keysUnder(kv, ["cluster", "share", b.instance])).length > 0);

    const gone = new Promise((resolve) => a.instances.onGone(resolve));
    await b.close({ goodbye: false });
    await within(DEADLINE_MS, "B's expiry", gone);
    await a.sweep();
    deepEqual(await keysUnder(kv, ["cluster", "share", b.instance]), []);
    equal((await kv.get(["cluster", "seen", b.instance])).value, null);
    ok((await kv.get(["cluster", "seen", a.instance])).value, "the living are kept");
  } finally {
    await a.close();
    await b.close();
    kv.close();
  }
});

Deno.test("kv engine: an instance whose heartbeat lapsed registers again and counts again", async () => {
  const kv = await Deno.openKv(":memory:");
  const [a, b] = [await start(kv), await start(kv)];
  try {
    b.keyedShares("counts", { schema: Count }).set("u ada", 3);
    await others(a, "u ada", [3]);
    // As if B had stalled past its expiry and KV had deleted its heartbeat.
    const gone = new Promise((resolve) => a.instances.onGone(resolve));
    await kv.atomic().delete(["cluster", "instance", b.instance])
      .sum(["cluster", "signal", "registry"], 1n).commit();
    await within(DEADLINE_MS, "B dropped", gone);
    deepEqual(a.keyedShares("counts", { schema: Count }).others("u ada"), []);

    // B's next beat finds its heartbeat gone, registers again and publishes its shares anew.
    await others(a, "u ada", [3]);
    ok(a.instances.isLive(b.instance));
  } finally {
    await a.close();
    await b.close();
    kv.close();
  }
});

Deno.test("kv engine: a reader that finds records missing says so before the next one", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const outbox = createKvOutbox({
      kv,
      instance: "sender",
      onError: (error) => fail(String(error)),
    });
    for (const room of ["one", "two", "three"]) {
      outbox.event("room_closed", { room }, false);
      await outbox.flushed();
    }
    // Record 2 expired before this reader came to it.
    for (const key of await keysUnder(kv, ["cluster", "stream", "sender", 2])) await kv.delete(key);
    const heard: string[] = [];
    const reader = createKvStreamReader({
      kv,
      senders: () => ["sender"],
      onRecord: (_, record) =>
        heard.push(
          ...record.items.map((item) =>
            item.kind === "event" ? `event ${JSON.stringify(item.data)}` : "share"
          ),
        ),
      onGap: (sender, missed) => {
        heard.push(`gap ${sender} ${missed}`);
        return Promise.resolve();
      },
      onError: (error) => fail(String(error)),
    });
    await reader.startAt("sender", "first");
    reader.wake();
    await reader.idle();
    deepEqual(heard, ['event {"room":"one"}', "gap sender 1", 'event {"room":"three"}']);
  } finally {
    kv.close();
  }
});

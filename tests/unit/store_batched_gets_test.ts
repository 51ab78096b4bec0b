/**
 * Small reads made together share `getMany` calls (`batched_gets.ts`): each
 * caller gets its own keys' entries, in order, from one snapshot, and sees
 * what was written before it asked.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { createBatchedGets } from "../../lib/server/store/mod.ts";

/** `kv`'s `getMany`, counting its calls. */
function countingGetMany(kv: Deno.Kv) {
  const calls: number[] = [];
  return {
    calls,
    getMany: ((keys: Deno.KvKey[]) => {
      calls.push(keys.length);
      return kv.getMany(keys);
    }) as Deno.Kv["getMany"],
  };
}

Deno.test("reads asked together go out in calls of up to ten keys, each answered with its own", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (let index = 0; index < 30; index++) await kv.set(["n", index], index);
    const counted = countingGetMany(kv);
    const getMany = createBatchedGets(counted);
    // 30 reads: three keys each (an access check) or one (a read position), like joins.
    const reads = Array.from(
      { length: 30 },
      (_, index) =>
        index % 2 === 0
          ? getMany<number[]>([["n", index], ["n", (index + 1) % 30], ["missing", index]])
          : getMany<number[]>([["n", index]]),
    );
    const answers = await Promise.all(reads);
    answers.forEach((entries, index) => {
      const values = entries.map((entry) => entry.value);
      deepEqual(values, index % 2 === 0 ? [index, (index + 1) % 30, null] : [index]);
    });
    ok(counted.calls.every((keys) => keys <= 10), String(counted.calls));
    ok(counted.calls.length <= 8, `60 keys in ${counted.calls.length} calls`);
  } finally {
    kv.close();
  }
});

Deno.test("a read sees what was written before it asked, even while an earlier read is out", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const getMany = createBatchedGets(kv);
    const before = getMany<number[]>([["k"]]);
    await kv.set(["k"], 1);
    const after = getMany<number[]>([["k"]]);
    equal((await after)[0].value, 1);
    ok([null, 1].includes((await before)[0].value));
  } finally {
    kv.close();
  }
});

Deno.test("a failed call fails the reads it carried, and later reads still work", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let fail = true;
    const getMany = createBatchedGets({
      getMany: ((keys: Deno.KvKey[]) =>
        fail ? Promise.reject(new Error("down")) : kv.getMany(keys)) as Deno.Kv["getMany"],
    });
    await rejects(getMany([["a"]]), /down/);
    fail = false;
    equal((await getMany<[string]>([["a"]]))[0].versionstamp, null);
    await rejects(getMany(Array.from({ length: 11 }, (_, index) => ["k", index])), RangeError);
  } finally {
    kv.close();
  }
});

import { equal, rejects } from "node:assert/strict";
import { isLockedError, retryWhenLocked } from "../../lib/server/store/kv_retry.ts";

Deno.test("a locked write is retried until it goes through", async () => {
  let calls = 0;
  const result = await retryWhenLocked(() => {
    calls++;
    if (calls < 3) return Promise.reject(new TypeError("database is locked"));
    return Promise.resolve("written");
  });
  equal(result, "written");
  equal(calls, 3);
});

Deno.test("other errors are not retried, and retries are bounded", async () => {
  let calls = 0;
  await rejects(
    retryWhenLocked(() => {
      calls++;
      return Promise.reject(new TypeError("Value too large"));
    }),
    /Value too large/,
  );
  equal(calls, 1);
  calls = 0;
  await rejects(
    retryWhenLocked(() => {
      calls++;
      return Promise.reject(new Error("database is locked"));
    }, 4),
    (error: unknown) => isLockedError(error),
  );
  equal(calls, 4);
});

Deno.test("writers on two handles of one KV file all get through", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-kv-retry-" });
  const first = await Deno.openKv(`${dir}/kv`);
  const second = await Deno.openKv(`${dir}/kv`);
  try {
    const writes = Array.from(
      { length: 200 },
      (_, i) =>
        retryWhenLocked(() =>
          (i % 2 ? first : second).atomic()
            .check({ key: ["n", i], versionstamp: null })
            .set(["n", i], i)
            .commit()
        ),
    );
    const results = await Promise.all(writes);
    equal(results.filter((result) => result.ok).length, 200);
    let count = 0;
    for await (const _ of first.list({ prefix: ["n"] })) count++;
    equal(count, 200);
  } finally {
    first.close();
    second.close();
    await Deno.remove(dir, { recursive: true });
  }
});

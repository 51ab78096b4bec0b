/**
 * What each Deno KV call a join makes costs in CPU (this process, every
 * thread: the call's dispatch, SQLite's thread, the `fsync`), on a database
 * file like the server's: the reads of a join's access check (3 keys, one
 * found) and read position (1 key, absent), both packed into one `getMany`,
 * and a new member's checked write alone or 32 to a commit. The figures are
 * in bench/README.md ("Big rooms", "What a join does").
 *
 * @example
 * ```sh
 * deno run -A --unstable-kv bench/micro/kv_join_ops.ts
 * # commit, 1 member: 182 µs CPU per call, 182 µs per join, 293 µs wall per call
 * ```
 */
import process from "node:process";

const CALLS = 2_000;

/** Runs `call` CALLS times in a row; prints CPU per call and per join (`joinsPerCall` each). */
async function measure(
  name: string,
  joinsPerCall: number,
  call: (index: number) => Promise<unknown>,
) {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < CALLS; index++) await call(index);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuPerCall = (cpu.user + cpu.system) / CALLS;
  const wallPerCall = (performance.now() - started) * 1_000 / CALLS;
  console.log(
    `${name}: ${cpuPerCall.toFixed(0)} µs CPU per call, ${
      (cpuPerCall / joinsPerCall).toFixed(0)
    } µs per join, ${wallPerCall.toFixed(0)} µs wall per call`,
  );
}

const dir = await Deno.makeTempDir();
const kv = await Deno.openKv(`${dir}/kv.sqlite`);
try {
  const info = { room: "big", visibility: "public", owner: null, createdAt: 0 };
  await kv.set(["room_info", "big"], info);
  const member = (index: number) => ({
    user: { id: `user:bench${index}`, name: `bench${index}`, role: "user" },
    role: "member",
    joinedAt: index,
  });
  const accessKeys = (index: number): Deno.KvKey[] => [
    ["room_info", "big"],
    ["room_member", "big", `user:bench${index}`],
    ["room_invite", "big", `user:bench${index}`],
  ];
  const readPositionKey = (index: number): Deno.KvKey => ["read_position", `user:x${index}`, "big"];

  await measure(
    "get, 1 key absent (a read position)",
    1,
    (index) => kv.get(readPositionKey(index)),
  );
  await measure(
    "getMany, 3 keys, 1 found (an access check)",
    1,
    (index) => kv.getMany(accessKeys(index)),
  );
  await measure(
    "getMany, 8 keys: two joins' access checks and read positions",
    2,
    (index) =>
      kv.getMany([
        ...accessKeys(2 * index),
        readPositionKey(2 * index),
        ...accessKeys(2 * index + 1),
        readPositionKey(2 * index + 1),
      ]),
  );

  const addMembers = (first: number, count: number) => {
    const operation = kv.atomic();
    for (let index = first; index < first + count; index++) {
      const memberKey = ["room_member", "big", `user:bench${index}`];
      operation.check(
        { key: memberKey, versionstamp: null },
        { key: ["room_invite", "big", `user:bench${index}`], versionstamp: null },
      )
        .set(["member_of", `user:bench${index}`, "big"], { joinedAt: index })
        .set(memberKey, member(index));
    }
    return operation.sum(["room_member_count", "big"], BigInt(count)).commit();
  };
  await measure("commit, 1 member", 1, (index) => addMembers(index, 1));
  await measure("commit, 32 members", 32, (index) => addMembers(CALLS + 32 * index, 32));
} finally {
  kv.close();
  await Deno.remove(dir, { recursive: true });
}

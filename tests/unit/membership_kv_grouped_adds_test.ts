/**
 * New members of a public room who arrive together share one KV commit
 * (`grouped_adds.ts`), and each outcome stays exact: a member already, or one
 * who holds an invitation, is found by the batch's checks and done alone;
 * the rest are admitted, counted once, and stored before their promise
 * settles, across a restart and across two instances on one database.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import type { PublicUser } from "../../lib/protocol/mod.ts";
import { createKvMembershipStore } from "../../lib/server/membership/mod.ts";

const NOW = 1_800_000_000_000;
const ada: PublicUser = { id: "user:ada", name: "ada", role: "user" };

function users(count: number, prefix = "u"): PublicUser[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `user:${prefix}${String(index).padStart(3, "0")}`,
    name: `${prefix}${index}`,
    role: "user" as const,
  }));
}

/** `kv`, counting the atomic operations committed through it. */
function countingCommits(kv: Deno.Kv): { kv: Deno.Kv; commits(): number } {
  let commits = 0;
  const atomic = () => {
    const operation = kv.atomic();
    const commit = operation.commit.bind(operation);
    operation.commit = () => {
      commits++;
      return commit();
    };
    return operation;
  };
  const counted = new Proxy(kv, {
    get: (target, property) =>
      property === "atomic" ? atomic : Reflect.get(target, property, target).bind(target),
  });
  return { kv: counted, commits: () => commits };
}

async function allMembers(kv: Deno.Kv, room: string): Promise<string[]> {
  const store = createKvMembershipStore({ kv });
  const { members } = await store.membersOf(room, { limit: 1_000 });
  return members.map((membership) => membership.user.id).sort();
}

Deno.test("members who enter together share commits; one already in and one invited are exact", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const plain = createKvMembershipStore({ kv });
    await plain.ensurePublic("lobby", NOW);
    const [already, invited, ...rest] = users(60);
    equal(await plain.addMember("lobby", already, { now: NOW }), "added");
    await plain.invite("lobby", invited, ada, NOW);

    const { kv: counted, commits } = countingCommits(kv);
    const store = createKvMembershipStore({ kv: counted });
    const first = users(40, "early");
    const early = await Promise.all(
      first.map((user) => store.addMember("lobby", user, { now: NOW })),
    );
    ok(early.every((outcome) => outcome === "added"));
    ok(commits() <= 3, `40 new members at once took ${commits()} commits`);

    const everyone = [already, invited, ...rest, rest[0]];
    const outcomes = await Promise.all(
      everyone.map((user) => store.addMember("lobby", user, { now: NOW })),
    );

    equal(outcomes[0], "already", "a member before stays one, not added again");
    equal(outcomes[1], "added", "an invited user is admitted (and the invitation used up)");
    equal((await plain.access("lobby", invited.id, NOW)).invited, false);
    const restOutcomes = outcomes.slice(3, -1);
    ok(restOutcomes.every((outcome) => outcome === "added"), String(restOutcomes));
    equal(
      [outcomes[2], outcomes.at(-1)].filter((outcome) => outcome === "added").length,
      1,
      "the same user twice at once is added once",
    );
    const admitted = [...first, already, invited, ...rest].map((user) => user.id);
    deepEqual(await allMembers(kv, "lobby"), admitted.sort());
    equal((await plain.memberCounts(["lobby"])).get("lobby"), 100);
  } finally {
    kv.close();
  }
});

Deno.test("a member admitted in a batch is in the store after a restart", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "kv.sqlite");
  try {
    const members = users(40);
    const kv = await Deno.openKv(path);
    const store = createKvMembershipStore({ kv });
    const outcomes = await Promise.all(
      members.map((user) => store.addMember("lobby", user, { now: NOW })),
    );
    kv.close();
    ok(outcomes.every((outcome) => outcome === "added"));

    const reopened = await Deno.openKv(path);
    try {
      deepEqual(await allMembers(reopened, "lobby"), members.map((user) => user.id).sort());
      const counts = await createKvMembershipStore({ kv: reopened }).memberCounts(["lobby"]);
      equal(counts.get("lobby"), 40);
    } finally {
      reopened.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two instances on one KV admit each of the same users once, counted once", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "kv.sqlite");
  const first = await Deno.openKv(path);
  const second = await Deno.openKv(path);
  try {
    const stores = [
      createKvMembershipStore({ kv: first }),
      createKvMembershipStore({ kv: second }),
    ];
    const members = users(50);
    // Every user enters on both instances at once, the two in opposite orders.
    const [here, there] = await Promise.all([
      Promise.all(members.map((user) => stores[0].addMember("lobby", user, { now: NOW }))),
      Promise.all(
        [...members].reverse().map((user) => stores[1].addMember("lobby", user, { now: NOW })),
      ),
    ]);
    there.reverse();
    members.forEach((user, index) => {
      deepEqual([here[index], there[index]].sort(), ["added", "already"], user.id);
    });
    deepEqual(await allMembers(first, "lobby"), members.map((user) => user.id).sort());
    equal((await stores[1].memberCounts(["lobby"])).get("lobby"), 50);
  } finally {
    first.close();
    second.close();
    await Deno.remove(dir, { recursive: true });
  }
});

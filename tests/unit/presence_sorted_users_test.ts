/**
 * The sorted users of a room (`lib/server/presence/sorted_users.ts`) against
 * a plain array sorted the same way: every page, after every cursor and
 * prefix, through thousands of inserts and removals across many blocks.
 */
import { deepEqual, equal } from "node:assert/strict";
import type { PublicUser } from "../../lib/protocol/mod.ts";
import { BLOCK_MAX, createSortedUsers } from "../../lib/server/presence/sorted_users.ts";
import { createSeededRandom } from "../../lib/time/random.ts";

const user = (name: string, id = `id-${name}`): PublicUser => ({ id, name, role: "user" });

/** The reference order: case-folded name, then name, then id, by code unit. */
function referenceSort(users: PublicUser[]): PublicUser[] {
  const key = (u: PublicUser) => [u.name.toLowerCase(), u.name, u.id];
  return [...users].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  });
}

/** Every user, read page by page through `next`. */
function readAll(users: ReturnType<typeof createSortedUsers>, limit: number, prefix?: string) {
  const all: PublicUser[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = users.page({ after, prefix, limit });
    equal(page.users.length <= limit, true);
    all.push(...page.users);
    if (page.next === null) return all;
    after = page.next;
  }
  throw new Error("paging did not end");
}

Deno.test("pages are by name, case-insensitive first, and `next` continues after the last", () => {
  const users = createSortedUsers();
  for (const name of ["carol", "Bob", "ada", "Dave", "alice"]) users.add(user(name));
  deepEqual(users.page({ limit: 2 }), { users: [user("ada"), user("alice")], next: "alice" });
  deepEqual(users.page({ after: "alice", limit: 2 }), {
    users: [user("Bob"), user("carol")],
    next: "carol",
  });
  deepEqual(users.page({ after: "carol", limit: 2 }), { users: [user("Dave")], next: null });
  deepEqual(users.page({ after: "zed", limit: 2 }), { users: [], next: null });
  equal(users.size, 5);
});

Deno.test("a prefix pages through the names starting with it, whatever their case", () => {
  const users = createSortedUsers();
  for (const name of ["Anna", "anne", "ANNIKA", "bob", "an"]) users.add(user(name));
  deepEqual(users.page({ prefix: "ANN", limit: 2 }), {
    users: [user("Anna"), user("anne")],
    next: "anne",
  });
  deepEqual(users.page({ prefix: "ann", after: "anne", limit: 2 }), {
    users: [user("ANNIKA")],
    next: null,
  });
  deepEqual(users.page({ prefix: "x", limit: 5 }), { users: [], next: null });
  deepEqual(users.page({ prefix: "", limit: 1 }).users, [user("an")]);
});

Deno.test("two users of one name are never cut apart by a page's end", () => {
  const users = createSortedUsers();
  for (const u of [user("ada"), user("bob", "b1"), user("bob", "b2"), user("cy")]) users.add(u);
  const first = users.page({ limit: 2 });
  deepEqual(first, { users: [user("ada")], next: "ada" });
  deepEqual(users.page({ after: "ada", limit: 2 }).users, [user("bob", "b1"), user("bob", "b2")]);
});

Deno.test("thousands of joins and leaves in random order keep the order a sort gives", () => {
  const random = createSeededRandom(19);
  const users = createSortedUsers();
  const held = new Map<string, PublicUser>();
  const names = ["ada", "Bob", "carol", "Émile", "zoë", "Zed", "mia", "MIA"];
  for (let step = 0; step < 6_000; step++) {
    const id = `u${Math.floor(random() * 3_000)}`;
    const existing = held.get(id);
    if (existing) {
      equal(users.delete(existing), true);
      held.delete(id);
    } else {
      const name = `${names[id.length % names.length]}${Math.floor(random() * 1_000)}`;
      const added = user(name, id);
      users.add(added);
      held.set(id, added);
    }
  }
  equal(held.size > 4 * BLOCK_MAX, true, "the users span many blocks");
  equal(users.size, held.size);
  const expected = referenceSort([...held.values()]);
  deepEqual(users.page({ limit: held.size + 1 }).users, expected);
  deepEqual(readAll(users, 37), expected);
  deepEqual(
    readAll(users, 50, "mi"),
    expected.filter((u) => u.name.toLowerCase().startsWith("mi")),
  );
  equal(users.delete(user("nobody", "u-none")), false);
  for (const u of held.values()) equal(users.delete(u), true);
  deepEqual(users.page({ limit: 10 }), { users: [], next: null });
  equal(users.size, 0);
});

Deno.test("the first page is kept while joins and leaves sort past it, and is always what a read gives", () => {
  const random = createSeededRandom(7);
  const users = createSortedUsers();
  const held = new Map<string, PublicUser>();
  // Few names, so that many users share the name at a page's end.
  const names = ["ada", "Ada", "bob", "cy", "dee"];
  let kept = 0;
  for (let step = 0; step < 4_000; step++) {
    const before = users.page({ limit: 5 });
    const id = `u${Math.floor(random() * 60)}`;
    const existing = held.get(id);
    if (existing) {
      users.delete(existing);
      held.delete(id);
    } else {
      const added = user(`${names[Math.floor(random() * names.length)]}${step % 3}`, id);
      users.add(added);
      held.set(id, added);
    }
    const after = users.page({ limit: 5 });
    if (after === before) kept++;
    // What a read of the blocks gives: a second SortedUsers holding the same users.
    const fresh = createSortedUsers();
    for (const u of held.values()) fresh.add(u);
    deepEqual(after, fresh.page({ limit: 5 }));
  }
  equal(kept > 1_000, true, `the page was kept over ${kept} changes`);
  // A page of another size is read, and kept, apart.
  deepEqual(users.page({ limit: 3 }).users, referenceSort([...held.values()]).slice(0, 3));
});

/**
 * Drafts per room (`lib/client/drafts.ts`): kept across a reload (a new
 * instance on the same storage), bounded in count (the least recently
 * written dropped) and in length, forgotten when emptied, and still kept in
 * memory when storage refuses writes or holds another version's value.
 */
import { deepEqual, equal } from "node:assert/strict";
import { createDrafts, DRAFTS_KEY } from "../../lib/client/drafts.ts";
import { createMemoryStorage } from "../../lib/client/testing.ts";

const stored = (storage: Storage) => JSON.parse(storage.getItem(DRAFTS_KEY)!);

Deno.test("drafts: kept per room, across a reload", () => {
  const storage = createMemoryStorage();
  const drafts = createDrafts({ storage });
  drafts.set("general", "half a thought");
  drafts.set("random", "another\nline");
  equal(drafts.get("general"), "half a thought");
  equal(drafts.get("design"), "");
  const reloaded = createDrafts({ storage });
  equal(reloaded.get("general"), "half a thought");
  equal(reloaded.get("random"), "another\nline");
  deepEqual(stored(storage), [["general", "half a thought"], ["random", "another\nline"]]);
});

Deno.test("drafts: an emptied draft is forgotten, in storage too", () => {
  const storage = createMemoryStorage();
  const drafts = createDrafts({ storage });
  drafts.set("general", "sent soon");
  drafts.set("general", "  \n ");
  equal(drafts.get("general"), "");
  deepEqual(stored(storage), []);
  equal(createDrafts({ storage }).get("general"), "");
});

Deno.test("drafts: at most maxRooms, the least recently written dropped; each cut at maxChars", () => {
  const storage = createMemoryStorage();
  const drafts = createDrafts({ storage, maxRooms: 3, maxChars: 10 });
  for (const room of ["a", "b", "c"]) drafts.set(room, `draft ${room}`);
  drafts.set("a", "draft a, again and longer");
  drafts.set("d", "draft d");
  equal(drafts.get("b"), "", "b was written least recently");
  equal(drafts.get("a"), "draft a, a");
  deepEqual(stored(storage).map(([room]: string[]) => room), ["c", "a", "d"]);
  equal(storage.length, 1, "one entry holds them all");
  // Digit-only room names keep their place (an object would sort them first).
  drafts.set("123", "numbers");
  deepEqual(stored(storage).map(([room]: string[]) => room), ["a", "d", "123"]);
  deepEqual(
    [...["a", "d", "123"]].map((room) => createDrafts({ storage, maxRooms: 2 }).get(room)),
    ["", "draft d", "numbers"],
    "a smaller bound on reload keeps the most recent",
  );
});

Deno.test("drafts: bad names and another version's values are ignored", () => {
  const storage = createMemoryStorage();
  storage.setItem(DRAFTS_KEY, JSON.stringify({ general: "an object: another version" }));
  equal(createDrafts({ storage }).get("general"), "");
  storage.setItem(DRAFTS_KEY, JSON.stringify([["general", "kept"], ["Not A Room", "never read"]]));
  const drafts = createDrafts({ storage });
  equal(drafts.get("general"), "kept");
  equal(drafts.get("Not A Room"), "");
  storage.setItem(DRAFTS_KEY, "{not json");
  equal(createDrafts({ storage }).get("general"), "");
});

Deno.test("drafts: a storage that refuses writes, or none, still keeps them for the page", () => {
  const refusing = createMemoryStorage();
  refusing.setItem = () => {
    throw new DOMException("quota", "QuotaExceededError");
  };
  for (const storage of [refusing, null]) {
    const drafts = createDrafts({ storage });
    drafts.set("general", "still here");
    equal(drafts.get("general"), "still here");
  }
});

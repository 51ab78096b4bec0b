/**
 * Drafts per room (`lib/client/drafts.ts`): kept across a reload (a new
 * instance on the same storage), bounded in count (the oldest dropped) and in
 * length, forgotten when emptied, and still kept in memory when storage
 * refuses writes or holds another version's values.
 */
import { deepEqual, equal } from "node:assert/strict";
import { createDrafts, DRAFT_ROOMS_KEY, draftKey } from "../../lib/client/drafts.ts";
import { createMemoryStorage } from "../../lib/client/testing.ts";

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
  deepEqual(JSON.parse(storage.getItem(DRAFT_ROOMS_KEY)!), ["general", "random"]);
});

Deno.test("drafts: an emptied draft is forgotten, in storage too", () => {
  const storage = createMemoryStorage();
  const drafts = createDrafts({ storage });
  drafts.set("general", "sent soon");
  drafts.set("general", "  \n ");
  equal(drafts.get("general"), "");
  equal(storage.getItem(draftKey("general")), null);
  deepEqual(JSON.parse(storage.getItem(DRAFT_ROOMS_KEY)!), []);
  equal(createDrafts({ storage }).get("general"), "");
});

Deno.test("drafts: at most maxRooms, the least recently written dropped; each cut at maxChars", () => {
  const storage = createMemoryStorage();
  const drafts = createDrafts({ storage, maxRooms: 3, maxChars: 10 });
  for (const room of ["a", "b", "c"]) drafts.set(room, `draft ${room}`);
  drafts.set("a", "draft a, again and longer");
  drafts.set("d", "draft d");
  equal(drafts.get("b"), "", "b was written least recently");
  equal(storage.getItem(draftKey("b")), null);
  equal(drafts.get("a"), "draft a, a");
  deepEqual(JSON.parse(storage.getItem(DRAFT_ROOMS_KEY)!), ["c", "a", "d"]);
  equal(storage.length, 4, "three drafts and their list, nothing else");
});

Deno.test("drafts: bad names and another version's values are ignored", () => {
  const storage = createMemoryStorage();
  storage.setItem(DRAFT_ROOMS_KEY, JSON.stringify(["general", "Not A Room", 7]));
  equal(createDrafts({ storage }).get("general"), "", "not a list of names: nothing read");
  storage.setItem(DRAFT_ROOMS_KEY, JSON.stringify(["general", "Not A Room", "lost"]));
  storage.setItem(draftKey("general"), "kept");
  storage.setItem(draftKey("Not A Room"), "never read");
  const drafts = createDrafts({ storage });
  equal(drafts.get("general"), "kept");
  equal(drafts.get("Not A Room"), "");
  drafts.set("Not A Room", "refused");
  equal(drafts.get("Not A Room"), "");
  storage.setItem(DRAFT_ROOMS_KEY, "{not json");
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

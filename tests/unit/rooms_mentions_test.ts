/** Which `@name`s of a text mention someone, within bounds, and only members. */
import { deepEqual } from "node:assert/strict";
import { mentionedMembers, mentionedNames, MENTIONS_MAX } from "../../lib/server/rooms/mentions.ts";

Deno.test("mentions: names after an @ that starts a word, a sentence's dot left out", () => {
  deepEqual(mentionedNames("@ada and @bob. Also @ada again, (@cy) @d.e-f_g"), [
    "ada",
    "bob",
    "cy",
    "d.e-f_g",
  ]);
  deepEqual(mentionedNames("mail ada@example.com, @@ada, @ alone, @"), []);
  deepEqual(mentionedNames("@zoë and @東京"), ["zoë", "東京"]);
  const many = Array.from({ length: 50 }, (_, index) => `@user${index}`).join(" ");
  deepEqual(mentionedNames(many).length, MENTIONS_MAX);
});

Deno.test("mentions: only the members of the room are mentioned, each once", async () => {
  const people: Record<string, string> = { ada: "user:ada", bob: "user:bob", cy: "user:cy" };
  const lookup = {
    findUser: (name: string) =>
      Promise.resolve(people[name] ? { id: people[name], name, role: "user" as const } : null),
    isMember: (_room: string, userId: string) => Promise.resolve(userId !== "user:cy"),
  };
  deepEqual(
    await mentionedMembers("@ada @nobody @cy @bob @ada", "general", lookup),
    ["user:ada", "user:bob"],
  );
  deepEqual(await mentionedMembers("no at sign", "general", lookup), []);
});

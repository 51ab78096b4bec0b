/**
 * The search box's state (`lib/client/message_search.ts`): results (or none),
 * a refusal for asking too often with when to ask again, any other failure in
 * words, only the newest search's answer shown, and a blank query clearing.
 */
import { deepEqual, equal } from "node:assert/strict";
import { createMessageSearch } from "../../lib/client/message_search.ts";
import { RequestError } from "../../lib/client/pending_requests.ts";
import type { Message } from "../../lib/protocol/mod.ts";

const found: Message = {
  room: "general",
  seq: 7,
  id: "m7",
  cid: "c7",
  user: { id: "u-bob", name: "bob", role: "user" },
  text: "the release notes",
  ts: 1_800_000_000_000,
};

/** A search whose answers the test gives, one per call, in any order. */
function controlled() {
  const calls: { q: string; answer(result: readonly Message[] | Error): void }[] = [];
  const search = createMessageSearch({
    now: () => 1_000,
    search: (q) =>
      new Promise((resolve, reject) => {
        calls.push({
          q,
          answer: (result) => result instanceof Error ? reject(result) : resolve(result),
        });
      }),
  });
  return { search, calls };
}

Deno.test("message search: searching, then the results, or none", async () => {
  const { search, calls } = controlled();
  deepEqual(search.state.value, { kind: "idle" });
  const running = search.run("  release notes ");
  deepEqual(search.state.value, { kind: "searching", q: "release notes" });
  equal(calls[0].q, "release notes", "the words, trimmed");
  calls[0].answer([found]);
  await running;
  deepEqual(search.state.value, { kind: "results", q: "release notes", messages: [found] });

  const none = search.run("nothing");
  calls[1].answer([]);
  await none;
  deepEqual(search.state.value, { kind: "results", q: "nothing", messages: [] });
  await search.run("   ");
  deepEqual(search.state.value, { kind: "idle" }, "a blank query clears");
  equal(calls.length, 2, "and asks nothing");
});

Deno.test("message search: rate limited says until when; other failures say why", async () => {
  const { search, calls } = controlled();
  const limited = search.run("deploy");
  calls[0].answer(new RequestError("too many searches", "rate_limited", 4_000));
  await limited;
  deepEqual(search.state.value, { kind: "rate_limited", q: "deploy", retryAt: 5_000 });

  const failed = search.run("deploy");
  calls[1].answer(new RequestError("the connection ended"));
  await failed;
  deepEqual(search.state.value, { kind: "error", q: "deploy", message: "the connection ended" });
});

Deno.test("message search: only the newest search's answer shows", async () => {
  const { search, calls } = controlled();
  const first = search.run("old words");
  const second = search.run("new words");
  calls[1].answer([found]);
  await second;
  calls[0].answer([]);
  await first;
  deepEqual(search.state.value, { kind: "results", q: "new words", messages: [found] });

  const dropped = search.run("dropped");
  search.clear();
  calls[2].answer([found]);
  await dropped;
  deepEqual(search.state.value, { kind: "idle" }, "an answer after clear() is dropped");
});

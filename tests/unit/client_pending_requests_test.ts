/**
 * The table of requests waiting for a reply: each gets its own ref, a reply
 * takes its request once, a request that could not be sent is not pending,
 * and what is computed from the table follows it.
 */
import { deepEqual, equal, notEqual } from "node:assert/strict";
import { computed } from "@preact/signals";
import { createPendingRequests } from "../../lib/client/pending_requests.ts";

Deno.test("pending requests: a fresh ref each, taken once by its reply", () => {
  const pending = createPendingRequests();
  const refs: string[] = [];
  const send = (ref: string) => (refs.push(ref), true);
  equal(pending.add({ kind: "older", room: "general" }, send), true);
  equal(pending.add({ kind: "gap", room: "general", gap: { before: 6, limit: 2 } }, send), true);
  notEqual(refs[0], refs[1]);

  deepEqual(pending.take(refs[1]), { kind: "gap", room: "general", gap: { before: 6, limit: 2 } });
  equal(pending.take(refs[1]), undefined, "a second reply with the same ref finds nothing");
  equal(pending.take("someone-else's-ref"), undefined);
  equal(pending.take(undefined), undefined);
  deepEqual(pending.take(refs[0]), { kind: "older", room: "general" });
});

Deno.test("pending requests: one that could not be sent is not pending", () => {
  const pending = createPendingRequests();
  let ref = "";
  equal(pending.add({ kind: "older", room: "general" }, (given) => (ref = given, false)), false);
  equal(pending.has(() => true), false);
  equal(pending.take(ref), undefined);
});

Deno.test("pending requests: what is computed from the table follows adds, takes and clear", () => {
  const pending = createPendingRequests();
  const loading = computed(() =>
    pending.has((request) => request.kind === "older" && request.room === "general")
  );
  let ref = "";
  pending.add({ kind: "older", room: "general" }, (given) => (ref = given, true));
  equal(loading.value, true);
  pending.take(ref);
  equal(loading.value, false);
  pending.add({ kind: "older", room: "general" }, () => true);
  pending.add({ kind: "older", room: "random" }, () => true);
  equal(loading.value, true);
  pending.clear();
  equal(loading.value, false);
  equal(pending.has(() => true), false);
});

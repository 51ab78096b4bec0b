import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { signal } from "@preact/signals";
import {
  deserializeProps,
  IslandPropsError,
  serializeProps,
} from "../../lib/framework/serialize.ts";

const roundTrip = (props: Record<string, unknown>) =>
  deserializeProps(serializeProps("Test", props), signal);

Deno.test("JSON values survive the trip", () => {
  const props = { text: "hi", n: 3.5, yes: true, none: null, list: [1, "two", { deep: [3] }] };
  deepEqual(roundTrip(props), props);
});

Deno.test("dates, undefined and signals come back as themselves", () => {
  const at = new Date("2026-11-22T10:00:00.000Z");
  const result = roundTrip({ at, missing: undefined, count: signal(4) });
  ok(result.at instanceof Date);
  equal((result.at as Date).toISOString(), at.toISOString());
  ok("missing" in result && result.missing === undefined);
  const count = result.count as { value: number; peek(): number };
  equal(count.peek(), 4);
  count.value = 5;
  equal(count.peek(), 5);
});

Deno.test("objects whose keys look like tags are not mistaken for tags", () => {
  const props = { weird: { $date: "not a date" }, more: { $$x: 1, $signal: 2 } };
  deepEqual(roundTrip(props), props);
});

Deno.test("functions are refused with the island and prop named", () => {
  throws(
    () => serializeProps("Chat", { options: { onSend: () => {} } }),
    (error: unknown) =>
      error instanceof IslandPropsError && error.message.includes(`island "Chat"`) &&
      error.message.includes(`"options.onSend" is a function`),
  );
});

Deno.test("class instances, cycles and non-finite numbers are refused", () => {
  throws(() => serializeProps("X", { map: new Map() }), /is a Map/);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  throws(() => serializeProps("X", { cycle }), /circular/);
  throws(() => serializeProps("X", { n: Infinity }), /Infinity, not JSON/);
  throws(() => serializeProps("X", { children: "text" }), /children/);
});

Deno.test("the same object twice (no cycle) is fine", () => {
  const shared = { a: 1 };
  deepEqual(roundTrip({ one: shared, two: shared }), { one: shared, two: shared });
});

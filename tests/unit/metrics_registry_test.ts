import { deepEqual, equal, strictEqual, throws } from "node:assert/strict";
import { createRegistry } from "../../lib/server/metrics/registry.ts";
import {
  emptyHistogram,
  mergeHistograms,
  quantile,
  subtractHistograms,
} from "../../lib/server/metrics/histogram.ts";

/** Close codes come from the wire, so any number must be accepted. */
const CLOSE_CODES: readonly number[] = [1000, 4401];

Deno.test("a counter moves by whole events and ignores amounts it cannot count", () => {
  const registry = createRegistry();
  const committed = registry.counter({ name: "messages_total", help: "Messages." });
  committed.inc();
  committed.inc(4);
  committed.inc(-2);
  committed.inc(Number.NaN);
  committed.inc(Infinity);
  equal(committed.value, 5);
  deepEqual(registry.snapshot().counters, { messages_total: 5 });
});

Deno.test("every declared label child exists before the first observation", () => {
  const registry = createRegistry();
  registry.counter({
    name: "refused_total",
    help: "Refusals.",
    label: "reason",
    values: ["origin", "auth"],
  });
  deepEqual(registry.snapshot().counters.refused_total, { origin: 0, auth: 0, other: 0 });
});

Deno.test("labels() hands back the same pre-created child on every call (nothing allocated)", () => {
  const registry = createRegistry();
  const closes = registry.counter({
    name: "closes_total",
    help: "Closes.",
    label: "code",
    values: CLOSE_CODES,
  });
  strictEqual(closes.labels(1000), closes.labels(1000));
  strictEqual(closes.labels(4999), closes.labels("other"));
  strictEqual(closes.labels(4998), closes.labels(4999));
});

Deno.test("a value outside the declared set is counted under other", () => {
  const registry = createRegistry();
  const closes = registry.counter({
    name: "closes_total",
    help: "Closes.",
    label: "code",
    values: CLOSE_CODES,
  });
  closes.labels(4401).inc();
  closes.labels(4401).inc();
  closes.labels(3999).inc();
  deepEqual(registry.snapshot().counters.closes_total, { "1000": 0, "4401": 2, other: 1 });
});

Deno.test("a gauge goes up and down, and a collected gauge is read at snapshot time", () => {
  const registry = createRegistry();
  const open = registry.gauge({ name: "open", help: "Open." });
  let rss = 100;
  registry.gauge({ name: "rss_bytes", help: "RSS.", collect: () => rss });
  open.inc();
  open.inc();
  open.dec();
  open.set(Number.NaN);
  rss = 250;
  deepEqual(registry.snapshot().gauges, { open: 1, rss_bytes: 250 });
  rss = 300;
  equal(registry.snapshot().gauges.rss_bytes, 300);
});

Deno.test("a histogram puts each value in the first bucket whose bound holds it", () => {
  const registry = createRegistry();
  const latency = registry.histogram({ name: "latency_ms", help: "Latency.", buckets: [1, 5, 10] });
  for (const value of [0, 1, 1.5, 5, 7, 10, 11, 1_000, Number.NaN]) latency.observe(value);
  deepEqual(latency.data(), {
    buckets: [1, 5, 10],
    counts: [2, 2, 2, 2],
    sum: 1035.5,
    count: 8,
  });
});

Deno.test("quantiles interpolate inside the bucket and cap at the highest bound", () => {
  const data = { buckets: [10, 20, 40], counts: [0, 10, 0, 0], sum: 150, count: 10 };
  equal(quantile(data, 0.5), 15);
  equal(quantile(data, 1), 20);
  equal(quantile({ ...data, counts: [0, 0, 0, 10] }, 0.99), 40);
  equal(quantile(emptyHistogram([1, 2]), 0.5), null);
});

Deno.test("histograms merge and subtract bucket by bucket, and refuse different bounds", () => {
  const a = { buckets: [1, 5], counts: [1, 2, 0], sum: 7, count: 3 };
  const b = { buckets: [1, 5], counts: [0, 1, 1], sum: 9, count: 2 };
  const merged = mergeHistograms(a, b);
  deepEqual(merged, { buckets: [1, 5], counts: [1, 3, 1], sum: 16, count: 5 });
  deepEqual(subtractHistograms(merged, a), b);
  const other = { buckets: [2, 5], counts: [1, 0, 0], sum: 1, count: 1 };
  strictEqual(mergeHistograms(a, other), a);
});

Deno.test("mistakes in a registration stop the start with a clear error", () => {
  const registry = createRegistry();
  registry.counter({ name: "taken_total", help: "Taken." });
  throws(() => registry.counter({ name: "taken_total", help: "Again." }), /registered twice/);
  throws(() => registry.counter({ name: "events", help: "No suffix." }), /must end in _total/);
  throws(() => registry.gauge({ name: "bad-name", help: "Dash." }), /not a valid metric name/);
  throws(() => registry.gauge({ name: "silent", help: " " }), /needs help text/);
  throws(
    () => registry.counter({ name: "a_total", help: "A.", label: "le", values: ["x"] }),
    /cannot be a label name/,
  );
  throws(
    () => registry.counter({ name: "b_total", help: "B.", label: "kind", values: ["x", "x"] }),
    /label values repeat/,
  );
  throws(
    () => registry.counter({ name: "c_total", help: "C.", label: "kind", values: ["other"] }),
    /is implied/,
  );
  throws(
    () => registry.histogram({ name: "h", help: "H.", buckets: [5, 1] }),
    /strictly ascending/,
  );
  throws(() => registry.histogram({ name: "h2", help: "H.", buckets: [] }), /strictly ascending/);
  deepEqual(registry.descriptors().map((descriptor) => descriptor.name), ["taken_total"]);
});

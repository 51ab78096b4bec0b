import { deepEqual, equal, match, ok } from "node:assert/strict";
import parse from "parse-prometheus-text-format";
import { createRegistry, type RegistrySnapshot } from "../../lib/server/metrics/registry.ts";
import { renderPrometheus } from "../../lib/server/metrics/prometheus.ts";
import { createClusterView } from "../../lib/server/metrics/cluster_view.ts";
import { hasMetricsAccess, renderClusterMetrics } from "../../lib/server/metrics/exposition.ts";
import { createSwitchboardMetrics } from "../../lib/server/metrics/switchboard_metrics.ts";
import { createIsolateIdentity } from "../../lib/server/metrics/identity.ts";
import type { HistogramData } from "../../lib/server/metrics/histogram.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

interface ParsedSample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  sum?: string;
  count?: string;
}
interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: ParsedSample[];
}
const parsePrometheus = parse as (text: string) => ParsedFamily[];

/** Rebuilds a registry snapshot from parsed text, so values can be compared exactly. */
function toSnapshot(families: ParsedFamily[], labelOf: Record<string, string>): RegistrySnapshot {
  const snapshot: RegistrySnapshot = { counters: {}, gauges: {}, histograms: {}, info: {} };
  for (const family of families) {
    if (family.type === "HISTOGRAM") {
      const [sample] = family.metrics;
      const bounds = Object.keys(sample.buckets!).filter((le) => le !== "+Inf").map(Number);
      const cumulative = [...bounds.map(String), "+Inf"].map((le) => Number(sample.buckets![le]));
      const histogram: HistogramData = {
        buckets: bounds,
        counts: cumulative.map((count, slot) => count - (slot === 0 ? 0 : cumulative[slot - 1])),
        sum: Number(sample.sum),
        count: Number(sample.count),
      };
      snapshot.histograms[family.name] = histogram;
      continue;
    }
    if (family.name.endsWith("_info")) {
      snapshot.info[family.name] = family.metrics[0].labels!;
      continue;
    }
    const target = family.type === "COUNTER" ? snapshot.counters : snapshot.gauges;
    const label = labelOf[family.name];
    if (label === undefined) target[family.name] = Number(family.metrics[0].value);
    else {
      target[family.name] = Object.fromEntries(
        family.metrics.map((sample) => [sample.labels![label], Number(sample.value)]),
      );
    }
  }
  return snapshot;
}

function labelsOf(registry: ReturnType<typeof createRegistry>): Record<string, string> {
  return Object.fromEntries(
    registry.descriptors().filter((d) => d.label).map((d) => [d.name, d.label!]),
  );
}

function createSampleRegistry() {
  const registry = createRegistry();
  const refused = registry.counter({
    name: "refused_total",
    help: "Refusals.",
    label: "reason",
    values: ["origin", "auth"],
  });
  const committed = registry.counter({ name: "committed_total", help: "Commits." });
  const open = registry.gauge({ name: "open", help: "Open now." });
  const latency = registry.histogram({ name: "latency_ms", help: "Latency.", buckets: [1, 10] });
  registry.info({ name: "build_info", help: "Build.", labels: { version: "1.2.3" } });
  refused.labels("auth").inc(3);
  refused.labels("other").inc();
  committed.inc(42);
  open.set(7);
  for (const value of [0.5, 4, 4, 30]) latency.observe(value);
  return registry;
}

Deno.test("the exposition parses and every value round-trips", () => {
  const registry = createSampleRegistry();
  const text = renderPrometheus(registry.descriptors(), [{ metrics: registry.snapshot() }]);
  const families = parsePrometheus(text);
  deepEqual(
    families.map(({ name, type, help }) => [name, type, help]),
    [
      ["refused_total", "COUNTER", "Refusals."],
      ["committed_total", "COUNTER", "Commits."],
      ["open", "GAUGE", "Open now."],
      ["latency_ms", "HISTOGRAM", "Latency."],
      ["build_info", "GAUGE", "Build."],
    ],
  );
  deepEqual(toSnapshot(families, labelsOf(registry)), registry.snapshot());
});

Deno.test("histogram buckets are cumulative and end with +Inf, _sum and _count", () => {
  const registry = createSampleRegistry();
  const text = renderPrometheus(registry.descriptors(), [{ metrics: registry.snapshot() }]);
  ok(text.includes(
    [
      'latency_ms_bucket{le="1"} 1',
      'latency_ms_bucket{le="10"} 3',
      'latency_ms_bucket{le="+Inf"} 4',
      "latency_ms_sum 38.5",
      "latency_ms_count 4",
    ].join("\n"),
  ));
  match(text, /^# HELP committed_total Commits\.\n# TYPE committed_total counter\n/m);
});

Deno.test("label values and help text are escaped and read back unchanged", () => {
  const registry = createRegistry();
  const tricky = 'say "hi"\\ \nbye';
  registry.info({ name: "odd_info", help: "Line one\nline two \\ end", labels: { note: tricky } });
  const text = renderPrometheus(registry.descriptors(), [{ metrics: registry.snapshot() }]);
  const [family] = parsePrometheus(text);
  equal(family.metrics[0].labels!.note, tricky);
  equal(family.help, "Line one\nline two \\ end");
  equal(text.split("\n").length, 4, "an escaped newline must not split a line");
});

Deno.test("cluster rendering keeps each isolate's series apart by an isolate label", () => {
  const a = createSampleRegistry();
  const b = createSampleRegistry();
  const text = renderPrometheus(a.descriptors(), [
    { labels: { isolate: "a" }, metrics: a.snapshot() },
    { labels: { isolate: "b" }, metrics: b.snapshot() },
  ]);
  const families = parsePrometheus(text);
  const committed = families.find((family) => family.name === "committed_total")!;
  deepEqual(committed.metrics, [
    { value: "42", labels: { isolate: "a" } },
    { value: "42", labels: { isolate: "b" } },
  ]);
  // This npm parser folds a histogram's series into one, so per-isolate buckets are read as lines.
  for (const isolate of ["a", "b"]) {
    ok(text.includes(`latency_ms_bucket{isolate="${isolate}",le="+Inf"} 4\n`), isolate);
    ok(text.includes(`latency_ms_count{isolate="${isolate}"} 4\n`), isolate);
  }
  equal(text.match(/^# TYPE committed_total counter$/gm)?.length, 1);
});

Deno.test("the whole Switchboard metric set parses, with help on every metric", () => {
  const clock = createVirtualClock(1_000_000);
  const identity = createIsolateIdentity({
    clock,
    version: "1.0.0",
    buildId: "abc123",
    id: "iso-1",
    host: "test",
    region: null,
  });
  const metrics = createSwitchboardMetrics({
    clock,
    identity,
    memoryUsage: () => ({ rss: 50_000_000, heapUsed: 20_000_000 }),
  });
  metrics.connectionsClosed.labels(4401).inc();
  metrics.framesReceived.labels("send").inc(2);
  metrics.commitLatency.observe(3);
  clock.advance(90_000);

  const snapshot = metrics.registry.snapshot();
  const text = renderPrometheus(metrics.registry.descriptors(), [{ metrics: snapshot }]);
  const families = parsePrometheus(text);
  equal(families.length, metrics.registry.descriptors().length);
  for (const family of families) {
    ok(family.name.startsWith("switchboard_"), family.name);
    ok(family.help.length > 0, `${family.name} has help`);
    if (family.type === "COUNTER") ok(family.name.endsWith("_total"), family.name);
  }
  deepEqual(toSnapshot(families, labelsOf(metrics.registry)), snapshot);
  equal(snapshot.gauges.switchboard_uptime_seconds, 90);
  deepEqual(snapshot.info.switchboard_build_info, {
    version: "1.0.0",
    build_id: "abc123",
    deno_version: Deno.version.deno,
  });
});

Deno.test("the cluster exposition lists every live isolate, this one read fresh", () => {
  const clock = createVirtualClock(0);
  const isolate = (id: string) =>
    createSwitchboardMetrics({
      clock,
      identity: createIsolateIdentity({ clock, version: "1", buildId: "b", id, host: id }),
      memoryUsage: () => ({ rss: 1, heapUsed: 1 }),
    });
  const self = isolate("iso-a");
  const peer = isolate("iso-b");
  const view = createClusterView({ clock });
  self.messagesCommitted.inc();
  view.receive(self.snapshot({ ttlMs: 15_000 }));
  peer.messagesCommitted.inc(7);
  view.receive(peer.snapshot({ ttlMs: 15_000 }));
  self.messagesCommitted.inc(2);

  const families = parsePrometheus(renderClusterMetrics(self, view));
  const committed = families.find((family) =>
    family.name === "switchboard_messages_committed_total"
  );
  deepEqual(committed?.metrics, [
    { value: "3", labels: { isolate: "iso-a" } },
    { value: "7", labels: { isolate: "iso-b" } },
  ]);
});

Deno.test("with METRICS_TOKEN set, only the right bearer token may scrape", async () => {
  const request = (authorization?: string) =>
    new Request("http://localhost/metrics", {
      headers: authorization ? { authorization } : {},
    });
  equal(await hasMetricsAccess(request(), undefined), true);
  equal(await hasMetricsAccess(request(), "s3cret-token"), false);
  equal(await hasMetricsAccess(request("Bearer wrong"), "s3cret-token"), false);
  equal(await hasMetricsAccess(request("Basic s3cret-token"), "s3cret-token"), false);
  equal(await hasMetricsAccess(request("Bearer s3cret-token"), "s3cret-token"), true);
  equal(await hasMetricsAccess(request("bearer s3cret-token"), "s3cret-token"), true);
});

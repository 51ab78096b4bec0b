/**
 * Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE`
 * once per metric, then its series from every source. A source is one
 * registry snapshot with labels of its own, so the same renderer serves one
 * isolate (no extra labels) or the whole cluster (`isolate="…"` per source).
 *
 * @example
 * ```ts
 * const text = renderPrometheus(registry.descriptors(), [{ metrics: registry.snapshot() }]);
 * new Response(text, { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
 * ```
 */
import type { HistogramData } from "./histogram.ts";
import type { MetricDescriptor, RegistrySnapshot, SeriesValue } from "./registry.ts";

/** The `Content-Type` of the exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The values of one registry and the labels that tell its series apart from other sources'. */
export interface PrometheusSource {
  labels?: Record<string, string>;
  metrics: RegistrySnapshot;
}

function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function escapeLabelValue(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([name, value]) =>
    `${name}="${escapeLabelValue(value)}"`
  );
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function seriesLines(
  name: string,
  label: string | undefined,
  value: SeriesValue,
  base: Record<string, string>,
): string[] {
  if (typeof value === "number") return [`${name}${formatLabels(base)} ${formatNumber(value)}`];
  if (label === undefined) return [];
  return Object.entries(value).map(([labelValue, count]) =>
    `${name}${formatLabels({ ...base, [label]: labelValue })} ${formatNumber(count)}`
  );
}

function histogramLines(name: string, histogram: HistogramData, base: Record<string, string>) {
  const lines: string[] = [];
  let cumulative = 0;
  histogram.buckets.forEach((bound, slot) => {
    cumulative += histogram.counts[slot];
    lines.push(`${name}_bucket${formatLabels({ ...base, le: formatNumber(bound) })} ${cumulative}`);
  });
  lines.push(`${name}_bucket${formatLabels({ ...base, le: "+Inf" })} ${histogram.count}`);
  lines.push(`${name}_sum${formatLabels(base)} ${formatNumber(histogram.sum)}`);
  lines.push(`${name}_count${formatLabels(base)} ${histogram.count}`);
  return lines;
}

function metricLines(descriptor: MetricDescriptor, source: PrometheusSource): string[] {
  const { name, type, label } = descriptor;
  const base = source.labels ?? {};
  const { counters, gauges, histograms, info } = source.metrics;
  switch (type) {
    case "counter":
      return name in counters ? seriesLines(name, label, counters[name], base) : [];
    case "gauge":
      return name in gauges ? seriesLines(name, label, gauges[name], base) : [];
    case "histogram":
      return name in histograms ? histogramLines(name, histograms[name], base) : [];
    case "info":
      return name in info ? [`${name}${formatLabels({ ...base, ...info[name] })} 1`] : [];
  }
}

/**
 * Renders every described metric from every source. A source that lacks a
 * metric (an isolate of another version) simply contributes no series.
 */
export function renderPrometheus(
  descriptors: readonly MetricDescriptor[],
  sources: readonly PrometheusSource[],
): string {
  const lines: string[] = [];
  for (const descriptor of descriptors) {
    // The 0.0.4 format has no info type: an info metric is a gauge of value 1.
    const type = descriptor.type === "info" ? "gauge" : descriptor.type;
    lines.push(`# HELP ${descriptor.name} ${escapeHelp(descriptor.help)}`);
    lines.push(`# TYPE ${descriptor.name} ${type}`);
    for (const source of sources) lines.push(...metricLines(descriptor, source));
  }
  return lines.join("\n") + "\n";
}

/**
 * What one isolate tells the others every few seconds: who it is, its
 * gauges, every metric's cumulative value, and the deltas of the last window
 * (rates and recent latencies come from those). It is plain JSON, carried by
 * the bus; the receiving side validates it with {@linkcode IsolateSnapshot},
 * since another instance may run another version.
 *
 * @example
 * ```ts
 * const result = IsolateSnapshot.safeParse(event.data);
 * if (result.success) view.receive(result.data);
 * ```
 */
import { z } from "zod";
import { type HistogramData, subtractHistograms } from "./histogram.ts";
import type { RegistrySnapshot, SeriesValue } from "./registry.ts";

const Count = z.number().nonnegative();

const SeriesValueSchema = z.union([z.number(), z.record(z.string(), z.number())]);

const HistogramDataSchema = z.object({
  buckets: z.array(z.number()),
  counts: z.array(Count),
  sum: z.number(),
  count: Count,
}).refine((data) => data.counts.length === data.buckets.length + 1, {
  message: "a histogram has one count more than it has buckets",
});

/** {@linkcode RegistrySnapshot} as a schema. */
export const RegistrySnapshotSchema = z.object({
  counters: z.record(z.string(), SeriesValueSchema),
  gauges: z.record(z.string(), SeriesValueSchema),
  histograms: z.record(z.string(), HistogramDataSchema),
  info: z.record(z.string(), z.record(z.string(), z.string())),
});

/** Deltas of counters and histograms over a window. */
export const MetricsWindow = z.object({
  duration_ms: z.number().nonnegative(),
  counters: z.record(z.string(), SeriesValueSchema),
  histograms: z.record(z.string(), HistogramDataSchema),
});
export type MetricsWindow = z.infer<typeof MetricsWindow>;

/** One isolate's report. */
export const IsolateSnapshot = z.object({
  isolate: z.object({
    id: z.string().min(1).max(128),
    host: z.string(),
    region: z.string().nullable(),
    version: z.string(),
    build_id: z.string(),
    deno_version: z.string(),
    started_at: z.number(),
  }),
  taken_at: z.number(),
  /** How long the report stays valid after it is received; the receiver's clock decides. */
  ttl_ms: z.number().int().positive(),
  state: z.enum(["running", "draining"]),
  kv_ok: z.boolean(),
  connections: Count,
  users: Count,
  rooms: Count,
  memory: z.object({ rss_bytes: Count, heap_used_bytes: Count }),
  metrics: RegistrySnapshotSchema,
  window: MetricsWindow,
  /** Rooms by what they did in the window; members, errors and deliveries are absent from older versions. */
  busy_rooms: z.array(z.object({
    room: z.string(),
    messages: Count,
    members: Count.optional(),
    errors: Count.optional(),
    deliveries: z.array(Count).optional(),
  })),
  recent_errors: z.array(z.object({ ts: z.number(), code: z.string(), message: z.string() })),
});
export type IsolateSnapshot = z.infer<typeof IsolateSnapshot>;

function subtractSeries(later: SeriesValue, earlier: SeriesValue | undefined): SeriesValue {
  if (typeof later === "number") return typeof earlier === "number" ? later - earlier : later;
  const delta: Record<string, number> = {};
  for (const [label, value] of Object.entries(later)) {
    const before = typeof earlier === "object" ? earlier[label] ?? 0 : 0;
    delta[label] = value - before;
  }
  return delta;
}

/**
 * What happened between two snapshots of one registry. With no `earlier`
 * snapshot the window starts at zero: counters and histograms are zero when
 * an isolate starts.
 */
export function windowBetween(
  later: RegistrySnapshot,
  earlier: RegistrySnapshot | null,
  durationMs: number,
): MetricsWindow {
  const counters: Record<string, SeriesValue> = {};
  for (const [name, value] of Object.entries(later.counters)) {
    counters[name] = subtractSeries(value, earlier?.counters[name]);
  }
  const histograms: Record<string, HistogramData> = {};
  for (const [name, data] of Object.entries(later.histograms)) {
    const before = earlier?.histograms[name];
    histograms[name] = before ? subtractHistograms(data, before) : data;
  }
  return { duration_ms: durationMs, counters, histograms };
}

/** The sum of a counter's series: the number itself, or the total over its label values. */
export function seriesTotal(value: SeriesValue | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  return Object.values(value).reduce((sum, count) => sum + count, 0);
}

/**
 * Histograms with fixed buckets: observing a value increments one slot of a
 * preallocated array, and the plain-data form ({@linkcode HistogramData}) can
 * be merged across isolates, subtracted to get a window, and asked for a
 * quantile.
 *
 * @example
 * ```ts
 * const latency = registry.histogram({
 *   name: "commit_latency_ms", help: "Commit latency.", buckets: [1, 5, 25],
 * });
 * latency.observe(3);
 * quantile(latency.data(), 0.5); // 3 (interpolated inside the 1-5 bucket)
 * ```
 */

/** Buckets for latencies in milliseconds, from 1 ms to 10 s. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  1,
  2,
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1_000,
  2_500,
  5_000,
  10_000,
];

/** A histogram as plain data (JSON-safe). */
export interface HistogramData {
  /** Upper bounds of the finite buckets, ascending. */
  buckets: number[];
  /** Observations per bucket, not cumulative; one more than `buckets`: the last is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/** A histogram of one isolate. */
export class Histogram {
  readonly #bounds: Float64Array;
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  /** `buckets` must be finite and strictly ascending (the registry checks). */
  constructor(buckets: readonly number[]) {
    this.#bounds = Float64Array.from(buckets);
    this.#counts = new Float64Array(buckets.length + 1);
  }

  /** Records one value; a non-finite value is ignored. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    let slot = 0;
    while (slot < bounds.length && value > bounds[slot]) slot++;
    this.#counts[slot]++;
    this.#sum += value;
    this.#count++;
  }

  /** A copy of the current state. */
  data(): HistogramData {
    return {
      buckets: Array.from(this.#bounds),
      counts: Array.from(this.#counts),
      sum: this.#sum,
      count: this.#count,
    };
  }
}

/** An empty histogram with the given bounds. */
export function emptyHistogram(buckets: readonly number[]): HistogramData {
  return { buckets: [...buckets], counts: new Array(buckets.length + 1).fill(0), sum: 0, count: 0 };
}

function sameBuckets(a: HistogramData, b: HistogramData): boolean {
  return a.buckets.length === b.buckets.length &&
    a.buckets.every((bound, index) => bound === b.buckets[index]);
}

/**
 * The sum of two histograms. Histograms with different bounds (isolates of
 * two versions during a rollout) cannot be merged bucket by bucket; then `a`
 * is returned unchanged rather than a wrong answer.
 */
export function mergeHistograms(a: HistogramData, b: HistogramData): HistogramData {
  if (!sameBuckets(a, b)) return a;
  return {
    buckets: a.buckets,
    counts: a.counts.map((count, index) => count + b.counts[index]),
    sum: a.sum + b.sum,
    count: a.count + b.count,
  };
}

/** What `later` observed since `earlier` (both of one isolate); `later` if they do not match. */
export function subtractHistograms(later: HistogramData, earlier: HistogramData): HistogramData {
  if (!sameBuckets(later, earlier) || earlier.count > later.count) return later;
  return {
    buckets: later.buckets,
    counts: later.counts.map((count, index) => count - earlier.counts[index]),
    sum: later.sum - earlier.sum,
    count: later.count - earlier.count,
  };
}

/**
 * The `q`-quantile (0 < q ≤ 1), interpolated linearly inside its bucket like
 * Prometheus' `histogram_quantile`, the first bucket starting at 0. A quantile
 * that falls above every bound answers the highest bound: the histogram
 * cannot say more. `null` when there are no observations.
 */
export function quantile(histogram: HistogramData, q: number): number | null {
  if (histogram.count === 0) return null;
  const rank = q * histogram.count;
  let below = 0;
  for (let slot = 0; slot < histogram.buckets.length; slot++) {
    const inBucket = histogram.counts[slot];
    if (inBucket > 0 && below + inBucket >= rank) {
      const lower = slot === 0 ? 0 : histogram.buckets[slot - 1];
      const upper = histogram.buckets[slot];
      return lower + (upper - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return histogram.buckets[histogram.buckets.length - 1] ?? null;
}

/**
 * A latency histogram with logarithmic buckets, in the manner of HdrHistogram:
 * values are microseconds, every bucket is at most 1/64 (1.6 %) wide relative to
 * its value, and memory is fixed (1 664 counters) however many samples arrive,
 * so a run of millions of deliveries keeps no per-sample array.
 *
 * @example
 * ```ts
 * const histogram = createHistogram();
 * histogram.record(1_250); // 1.25 ms
 * histogram.percentile(99); // ≈ 1250
 * const copy = histogramFromJSON(histogram.toJSON()); // crosses a worker boundary
 * ```
 */

/** Values below this are counted exactly, one bucket each. */
const LINEAR_BUCKETS = 128;
/** Buckets per power of two above the linear range. */
const BUCKETS_PER_OCTAVE = 64;
const LINEAR_BITS = 7;
const OCTAVES = 31 - LINEAR_BITS;
const BUCKET_COUNT = LINEAR_BUCKETS + OCTAVES * BUCKETS_PER_OCTAVE;
/** About 35 minutes: anything slower is clamped, and a bench never waits that long. */
const MAX_VALUE = 2 ** 31 - 1;

/** The histogram as plain data: `[bucket, count]` pairs for non-empty buckets only. */
export interface HistogramJSON {
  count: number;
  min: number;
  max: number;
  sum: number;
  buckets: [number, number][];
}

/** A mergeable latency histogram of microsecond values. */
export interface Histogram {
  /** Adds one sample; negative values count as 0, huge ones are clamped. */
  record(microseconds: number): void;
  /** Adds every sample of another histogram. */
  merge(other: Histogram | HistogramJSON): void;
  /** The value at or below which `percent` % of the samples fall (0 when empty). */
  percentile(percent: number): number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  toJSON(): HistogramJSON;
}

function bucketOf(value: number): number {
  if (value < LINEAR_BUCKETS) return value;
  const octave = 31 - Math.clz32(value);
  const shift = octave - (LINEAR_BITS - 1);
  const mantissa = (value >>> shift) - BUCKETS_PER_OCTAVE;
  return LINEAR_BUCKETS + (octave - LINEAR_BITS) * BUCKETS_PER_OCTAVE + mantissa;
}

/** The middle of a bucket's value range, the figure reported for its samples. */
function valueOf(bucket: number): number {
  if (bucket < LINEAR_BUCKETS) return bucket;
  const above = bucket - LINEAR_BUCKETS;
  const octave = Math.floor(above / BUCKETS_PER_OCTAVE) + LINEAR_BITS;
  const mantissa = (above % BUCKETS_PER_OCTAVE) + BUCKETS_PER_OCTAVE;
  const shift = octave - (LINEAR_BITS - 1);
  return mantissa * 2 ** shift + (2 ** shift - 1) / 2;
}

/** Creates an empty {@linkcode Histogram}. */
export function createHistogram(): Histogram {
  const counts = new Float64Array(BUCKET_COUNT);
  let count = 0;
  let min = Infinity;
  let max = 0;
  let sum = 0;

  const add = (bucket: number, samples: number) => {
    counts[bucket] += samples;
    count += samples;
  };

  return {
    record(microseconds) {
      const value = Math.min(MAX_VALUE, Math.max(0, Math.round(microseconds)));
      add(bucketOf(value), 1);
      if (value < min) min = value;
      if (value > max) max = value;
      sum += value;
    },
    merge(other) {
      const json = "toJSON" in other ? other.toJSON() : other;
      if (json.count === 0) return;
      for (const [bucket, samples] of json.buckets) add(bucket, samples);
      min = Math.min(min, json.min);
      max = Math.max(max, json.max);
      sum += json.sum;
    },
    percentile(percent) {
      if (count === 0) return 0;
      const rank = Math.max(1, Math.ceil((percent / 100) * count));
      let seen = 0;
      for (let bucket = 0; bucket < BUCKET_COUNT; bucket++) {
        seen += counts[bucket];
        if (seen >= rank) return Math.min(max, Math.max(min, valueOf(bucket)));
      }
      return max;
    },
    get count() {
      return count;
    },
    get min() {
      return count === 0 ? 0 : min;
    },
    get max() {
      return max;
    },
    get mean() {
      return count === 0 ? 0 : sum / count;
    },
    toJSON() {
      const buckets: [number, number][] = [];
      counts.forEach((samples, bucket) => {
        if (samples > 0) buckets.push([bucket, samples]);
      });
      return { count, min: count === 0 ? 0 : min, max, sum, buckets };
    },
  };
}

/** Rebuilds a histogram from {@linkcode Histogram.toJSON} output. */
export function histogramFromJSON(json: HistogramJSON): Histogram {
  const histogram = createHistogram();
  histogram.merge(json);
  return histogram;
}

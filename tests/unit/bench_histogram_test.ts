/**
 * The load generator's latency histogram: exact below 128 µs, within its
 * bucket width (1/64) above, fixed memory, and lossless across a worker
 * boundary (toJSON → merge).
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createHistogram, histogramFromJSON } from "../../bench/loadgen/histogram.ts";

/** The nearest-rank percentile of sorted samples, as the histogram defines it. */
function exactPercentile(sorted: number[], percent: number): number {
  return sorted[Math.max(1, Math.ceil((percent / 100) * sorted.length)) - 1];
}

Deno.test("an empty histogram reports zeros", () => {
  const histogram = createHistogram();
  equal(histogram.count, 0);
  equal(histogram.min, 0);
  equal(histogram.max, 0);
  equal(histogram.mean, 0);
  equal(histogram.percentile(99), 0);
  deepEqual(histogram.toJSON(), { count: 0, min: 0, max: 0, sum: 0, buckets: [] });
});

Deno.test("values below 128 µs are counted exactly", () => {
  const histogram = createHistogram();
  for (let value = 0; value < 100; value++) histogram.record(value);
  equal(histogram.count, 100);
  equal(histogram.min, 0);
  equal(histogram.max, 99);
  equal(histogram.percentile(50), 49);
  equal(histogram.percentile(99), 98);
  equal(histogram.percentile(100), 99);
  equal(histogram.mean, 49.5);
});

Deno.test("percentiles stay within a bucket's width of the exact ones", () => {
  const histogram = createHistogram();
  const samples: number[] = [];
  // A spread from microseconds to seconds, as a bench run sees.
  for (let index = 0; index < 20_000; index++) {
    const value = Math.round(Math.exp((index % 997) / 997 * Math.log(5_000_000)));
    samples.push(value);
    histogram.record(value);
  }
  samples.sort((a, b) => a - b);
  for (const percent of [1, 10, 50, 90, 99, 99.9]) {
    const exact = exactPercentile(samples, percent);
    const reported = histogram.percentile(percent);
    ok(
      Math.abs(reported - exact) <= exact / 64 + 1,
      `p${percent}: reported ${reported}, exact ${exact}`,
    );
  }
  equal(histogram.max, samples.at(-1));
  equal(histogram.min, samples[0]);
});

Deno.test("memory is fixed: a million samples keep at most one counter per bucket", () => {
  const histogram = createHistogram();
  for (let index = 0; index < 1_000_000; index++) histogram.record(index % 50_000);
  const json = histogram.toJSON();
  equal(json.count, 1_000_000);
  ok(json.buckets.length < 1_664, `${json.buckets.length} buckets`);
});

Deno.test("negative values count as 0 and huge ones are clamped", () => {
  const histogram = createHistogram();
  histogram.record(-5);
  histogram.record(Number.MAX_SAFE_INTEGER);
  equal(histogram.count, 2);
  equal(histogram.min, 0);
  equal(histogram.max, 2 ** 31 - 1);
  ok(histogram.percentile(100) <= 2 ** 31 - 1);
});

Deno.test("merging JSON halves gives the histogram of the whole", () => {
  const whole = createHistogram();
  const left = createHistogram();
  const right = createHistogram();
  for (let index = 0; index < 5_000; index++) {
    const value = (index * 7919) % 300_000;
    whole.record(value);
    (index % 2 ? left : right).record(value);
  }
  const merged = histogramFromJSON(left.toJSON());
  merged.merge(right.toJSON());
  merged.merge(createHistogram());
  deepEqual(merged.toJSON(), whole.toJSON());
  equal(merged.percentile(99), whole.percentile(99));
});

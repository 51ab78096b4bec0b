import { deepEqual, equal } from "node:assert/strict";
import {
  formatAgo,
  formatBytes,
  formatCount,
  formatDuration,
  formatMillis,
  formatRate,
  NO_VALUE,
  refusalLabel,
} from "../../components/status/format.ts";

Deno.test("counts are exact up to 9,999, compact above", () => {
  deepEqual([0, 7, 1_234, 9_999, 12_345, 2_500_000].map(formatCount), [
    "0",
    "7",
    "1,234",
    "9,999",
    "12.3K",
    "2.5M",
  ]);
});

Deno.test("rates keep one decimal below 100, two below 0.1, and never round a trickle to 0", () => {
  deepEqual([0.001, 0.04, 0.068].map(formatRate), ["<0.01", "0.04", "0.07"]);
  deepEqual([0, 0.25, 4.5, 99.94, 100.4, 1_234.5, 45_000].map(formatRate), [
    "0",
    "0.3",
    "4.5",
    "99.9",
    "100",
    "1,235",
    "45K",
  ]);
});

Deno.test("latencies: a dash when unmeasured, ms below a second, s above", () => {
  equal(formatMillis(null), NO_VALUE);
  deepEqual([0, 0.84, 9.96, 12.4, 999, 1_830].map(formatMillis), [
    "0 ms",
    "0.8 ms",
    "10 ms",
    "12 ms",
    "999 ms",
    "1.8 s",
  ]);
});

Deno.test("durations use their two largest units", () => {
  deepEqual([0, 42.9, 60, 3_599, 3_600, 7_500, 86_400, 93_600].map(formatDuration), [
    "0 s",
    "42 s",
    "1 min",
    "59 min",
    "1 h",
    "2 h 5 min",
    "1 d",
    "1 d 2 h",
  ]);
});

Deno.test("ago is measured from the given now, never negative", () => {
  equal(formatAgo(1_000, 5_000), "4 s ago");
  equal(formatAgo(5_000, 5_400), "just now");
  equal(formatAgo(9_000, 5_000), "just now", "a clock a little ahead is not the future");
  equal(formatAgo(0, 125_000), "2 min ago");
});

Deno.test("sizes use binary units", () => {
  deepEqual([512, 2_048, 52_428_800, 1_610_612_736].map(formatBytes), [
    "512 B",
    "2 KiB",
    "50 MiB",
    "1.5 GiB",
  ]);
});

Deno.test("refusal reasons read as words, unknown ones as they come", () => {
  equal(refusalLabel("origin"), "Origin not allowed");
  equal(refusalLabel("user_limit"), "Too many connections for a user");
  equal(refusalLabel("new_reason"), "new reason");
});

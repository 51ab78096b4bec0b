/**
 * The search bench's smoke run, so it cannot rot: `bench/search/search_bench.ts
 * --smoke` indexes 5 000 messages into a KV file (one room, then ten), searches,
 * and sends with and without the indexer; the hits it reports must be the ones
 * its generator planted.
 */
import { deepEqual, equal, ok } from "node:assert/strict";

const BENCH_TS = new URL("../../bench/search/search_bench.ts", import.meta.url).pathname;

Deno.test("search bench smoke run finds what its messages hold", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", BENCH_TS, "--smoke"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  equal(code, 0, new TextDecoder().decode(stderr));
  // Per setup, the query rows: name and hits (the generator plants 10 "zephyr", 20 "alpha beta").
  const rows = [...out.matchAll(/^\| ([a-z, ]+) \| `[^`]+` \| ([^|]+) \|/gm)]
    .map(([, name, hits]) => `${name}: ${hits.trim()}`);
  const expected = [
    "common word: 20 (more)",
    "rare word: 10",
    "two words: 13",
    "two common words, rarely together: 20",
    "no hit: 0",
  ];
  deepEqual(rows, [...expected, ...expected]);
  ok(/\| 1 \| \d+ \| \d+ \| \d+ \|/.test(out), "the sending table has its run");
});

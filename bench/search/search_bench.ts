/**
 * The search index at size: 100 000 messages indexed into a Deno KV file
 * (one room of 100 000, then ten rooms of 10 000: the default history kept
 * per room), then searches timed (a common word, a rare word, two words, two
 * common words rarely together, a word found nowhere); and what indexing adds
 * to sending: messages committed per second through the message store with
 * and without the indexer fed after each commit. Results in bench/README.md
 * ("Search").
 *
 * @example
 * ```sh
 * deno run -A bench/search/search_bench.ts            # the whole run (a few minutes)
 * deno run -A bench/search/search_bench.ts --smoke    # 5 000 messages, seconds
 * ```
 */
import type { Message } from "../../lib/protocol/mod.ts";
import { createLogger } from "../../lib/server/log.ts";
import { createKvSearchIndex, createSearchIndexer } from "../../lib/server/search/mod.ts";
import { createMessageStore } from "../../lib/server/store/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { createSeededRandom, type Random } from "../../lib/time/random.ts";

const smoke = Deno.args.includes("--smoke");
const TOTAL = smoke ? 5_000 : 100_000;
const SEARCH_RUNS = smoke ? 5 : 30;
const SENDS = smoke ? 500 : 4_000;
const SEND_CONCURRENCY = 16;
const SEND_ROUNDS = smoke ? 1 : 3;
/** `--batch-ms=N`: the indexer's batch delay when sending. */
const BATCH_MS = Number(Deno.args.find((arg) => arg.startsWith("--batch-ms="))?.slice(11) ?? 500);
/** `--index-kv=separate`: the index in a KV file of its own rather than the log's. */
const SEPARATE_INDEX = Deno.args.includes("--index-kv=separate");
/** `--keys-per-write=N`: the index's transaction size when sending. */
const KEYS_PER_WRITE = Number(
  Deno.args.find((arg) => arg.startsWith("--keys-per-write="))?.slice(17) ?? 200,
);
/** `--only=send`: skip the index-and-search part. */
const ONLY_SEND = Deno.args.includes("--only=send");

const USER = { id: "user:bench", name: "bench", role: "user" as const };
const VOCABULARY = Array.from({ length: 5_000 }, (_, i) => `w${i.toString(36)}`);

/** A word drawn from a Zipf-like distribution: a few words are everywhere, most are rare. */
function zipfWord(random: Random): string {
  const index = Math.floor(VOCABULARY.length ** random()) - 1;
  return VOCABULARY[Math.min(VOCABULARY.length - 1, Math.max(0, index))];
}

/**
 * The text of message `i`: 8 to 20 Zipf words, plus the words the queries
 * look for at known rates: "the" in half, "deploy" and "friday" in one in
 * twenty each (together in one in four hundred), "zephyr" in ten messages
 * of all, "alpha" and "beta" in one in five each but together in twenty.
 */
function messageText(i: number, random: Random): string {
  const words = Array.from({ length: 8 + Math.floor(random() * 13) }, () => zipfWord(random));
  if (i % 2 === 0) words.push("the");
  if (i % 20 === 3) words.push("deploy");
  if (i % 400 === 3 || i % 20 === 7) words.push("friday");
  if (i % Math.floor(TOTAL / 10) === 5) words.push("zephyr");
  if (i % Math.floor(TOTAL / 20) === 11) words.push("alpha", "beta");
  else if (i % 5 === 1) words.push("alpha");
  else if (i % 5 === 2) words.push("beta");
  return words.join(" ");
}

function generate(rooms: string[], perRoom: number, random: Random): Map<string, Message[]> {
  const logs = new Map<string, Message[]>();
  let i = 0;
  for (let seq = 1; seq <= perRoom; seq++) {
    for (const room of rooms) {
      const entries = logs.get(room) ?? [];
      logs.set(room, entries);
      entries.push({
        room,
        seq,
        id: `${room}-${seq}`,
        cid: `c${i}`,
        user: USER,
        text: messageText(i, random),
        ts: 1_800_000_000_000 + i * 1_000,
      });
      i++;
    }
  }
  return logs;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const QUERIES = [
  ["common word", "the"],
  ["rare word", "zephyr"],
  ["two words", "deploy friday"],
  ["two common words, rarely together", "alpha beta"],
  ["no hit", "nonexistent"],
] as const;

async function indexAndSearch(label: string, rooms: string[], perRoom: number) {
  const dir = await Deno.makeTempDir({ prefix: "search-bench-" });
  const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
  try {
    const index = createKvSearchIndex({ kv });
    const logs = generate(rooms, perRoom, createSeededRandom(7));
    const started = performance.now();
    for (const [room, entries] of logs) {
      for (let start = 0; start < entries.length; start += 200) {
        await index.indexLog(room, start, entries.slice(start, start + 200));
      }
    }
    const indexMs = performance.now() - started;
    const total = rooms.length * perRoom;
    console.log(
      `\n${label}: indexed ${total} messages in ${(indexMs / 1000).toFixed(1)} s ` +
        `(${Math.round(total / (indexMs / 1000))} messages/s, batches of 200)`,
    );
    console.log("| query | q | hits (more) | p50 ms | p95 ms | max ms |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const [name, q] of QUERIES) {
      const times: number[] = [];
      let hits = 0;
      let more = false;
      for (let run = 0; run < SEARCH_RUNS; run++) {
        const t0 = performance.now();
        const page = await index.search({ q, rooms, limit: 20 });
        times.push(performance.now() - t0);
        if (!page.ok) throw new Error(page.message);
        hits = page.hits.length;
        more = page.more;
      }
      times.sort((a, b) => a - b);
      console.log(
        `| ${name} | \`${q}\` | ${hits}${more ? " (more)" : ""} | ${
          percentile(times, 0.5).toFixed(1)
        } | ${percentile(times, 0.95).toFixed(1)} | ${times.at(-1)!.toFixed(1)} |`,
      );
    }
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** What one sending run measured. */
interface SendRun {
  /** Messages acked per second. */
  acked: number;
  /** Messages acked and indexed per second (the indexer settled). */
  indexed: number;
  /** Ack latency percentiles, ms (meaningful when paced). */
  p50: number;
  p99: number;
}

/**
 * Sends through the message store, with or without the indexer fed after
 * each commit: as fast as 16 senders go (`perSecond` null: the most it can
 * ack), or paced at `perSecond` (then the ack latency is what a user feels).
 */
async function sendRun(withIndexer: boolean, perSecond: number | null): Promise<SendRun> {
  const dir = await Deno.makeTempDir({ prefix: "search-bench-send-" });
  const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
  const clock = createSystemClock();
  const store = createMessageStore(kv, { historyMax: 10_000, clock });
  const indexKv = SEPARATE_INDEX ? await Deno.openKv(`${dir}/search.sqlite3`) : kv;
  const indexer = withIndexer
    ? createSearchIndexer({
      index: createKvSearchIndex({ kv: indexKv, keysPerWrite: KEYS_PER_WRITE }),
      batchDelayMs: BATCH_MS,
      readLog: async (room, after, limit) => (await store.history(room, { after, limit })).messages,
      clock,
      log: createLogger({ sink: (line) => console.error(line) }),
    })
    : null;
  const random = createSeededRandom(11);
  try {
    let next = 0;
    const latencies: number[] = [];
    const started = performance.now();
    const sender = async () => {
      while (next < SENDS) {
        const i = next++;
        if (perSecond !== null) {
          const due = started + (i * 1000) / perSecond;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const sentAt = performance.now();
        const result = await store.commit({
          room: "general",
          user: USER,
          text: messageText(i, random),
          cid: `send-${i}`,
        });
        latencies.push(performance.now() - sentAt);
        if (result.created) indexer?.indexCommitted("general", [result.message]);
      }
    };
    await Promise.all(Array.from({ length: SEND_CONCURRENCY }, sender));
    const ackedMs = performance.now() - started;
    await indexer?.close();
    const indexedMs = performance.now() - started;
    latencies.sort((a, b) => a - b);
    return {
      acked: SENDS / (ackedMs / 1000),
      indexed: SENDS / (indexedMs / 1000),
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
    };
  } finally {
    kv.close();
    if (indexKv !== kv) indexKv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

console.log(`search bench${smoke ? " (smoke)" : ""}: Deno ${Deno.version.deno}`);
if (!ONLY_SEND) {
  await indexAndSearch(`one room of ${TOTAL}`, ["general"], TOTAL);
  await indexAndSearch(
    `ten rooms of ${TOTAL / 10}`,
    Array.from({ length: 10 }, (_, i) => `room-${i}`),
    TOTAL / 10,
  );
}

console.log(
  `\nsending ${SENDS} messages, ${SEND_CONCURRENCY} at a time, into one room ` +
    `(index batches every ${BATCH_MS} ms of at most ${KEYS_PER_WRITE} keys, index ${
      SEPARATE_INDEX ? "in its own" : "in the log's"
    } KV file):`,
);
console.log("| run | without indexer: acked/s | with indexer: acked/s | with: indexed/s |");
console.log("| --- | --- | --- | --- |");
for (let round = 1; round <= SEND_ROUNDS; round++) {
  const without = await sendRun(false, null);
  const withIt = await sendRun(true, null);
  console.log(
    `| ${round} | ${Math.round(without.acked)} | ${Math.round(withIt.acked)} | ${
      Math.round(withIt.indexed)
    } |`,
  );
}

const PACED = 200;
console.log(`\npaced at ${PACED} messages/s: ack latency, ms`);
console.log("| run | without indexer: p50 / p99 | with indexer: p50 / p99 |");
console.log("| --- | --- | --- |");
for (let round = 1; round <= SEND_ROUNDS; round++) {
  const without = await sendRun(false, PACED);
  const withIt = await sendRun(true, PACED);
  console.log(
    `| ${round} | ${without.p50.toFixed(1)} / ${without.p99.toFixed(1)} | ${
      withIt.p50.toFixed(1)
    } / ${withIt.p99.toFixed(1)} |`,
  );
}

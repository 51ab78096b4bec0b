/**
 * Attack: readers that never read ask for big replies. 15 WebSocket clients
 * complete the handshake, then only write: each joins a room of 2 000 messages
 * of 12 KB (a 24 MB room) with `since: 0` and keeps asking `history` for 200
 * messages. Each request was answered in full (24 MB, 2.4 MB) and every reply
 * queued for 5 s: 1.8 GB. Replies are now bounded (`JOIN_PAGE_MAX`,
 * `MAX_REPLY_BYTES`) and a socket whose backlog is over `SLOW_CONSUMER_BYTES`
 * is closed at the next frame, so the server's memory stays within a bound.
 *
 * Bound asserted: from a server that has served the room once (a reader that
 * reads catches up on all of it first: serving 24 MB grows the heap by about
 * 110 MiB, whoever reads it), the attack grows resident memory by less than
 * 150 MiB (75 to 110 MiB measured; 2.4 GB before the fix). What is held for
 * each reader is at most about 3 MiB (the bound, one reply, Deno's write
 * buffer): 30 readers cost about 50 MiB more than 15. The rest is garbage the
 * collector has not caught up with, since each socket's kernel buffers take
 * several MB before any backlog builds.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createMessageStore } from "../../lib/server/store/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { maskedTextFrame, openRawSocket, readCloseCode, writeAll } from "../_helpers/raw_socket.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { readRssBytes } from "../../bench/process_stats.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { assertStillServing, mib, tokenFor, watchPeakRss } from "./_attack.ts";

const ROOM = "big";
const MESSAGES = 2_000;
/** 4 000 characters of 3 bytes: about 12 KB of JSON per message. */
const TEXT = "€".repeat(4_000);
const READERS = 15;
/** The stated bound: the attack may grow the server's resident memory by less than this. */
const RSS_GROWTH_BOUND = 150 * 1024 * 1024;

/** A KV file holding the big room, made before the server starts. */
async function seedBigRoom(path: string) {
  const kv = await Deno.openKv(path);
  const store = createMessageStore(kv, { historyMax: 10_000, clock: createSystemClock() });
  const user = { id: "user:seed", name: "seed", role: "user" as const };
  for (let start = 0; start < MESSAGES; start += 100) {
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, index) => store.commit({ room: ROOM, user, text: TEXT, cid: `seed-${start + index}` }),
      ),
    );
  }
  kv.close();
}

/** Joins the room with `since: 0` and pages on with `after` while `more`: every seq received. */
async function catchUp(socket: TestSocket): Promise<number[]> {
  socket.send({ type: "join", room: ROOM, since: 0 });
  const joined = await socket.nextOf("joined");
  const seqs = joined.messages.map(({ seq }) => seq);
  for (let more = joined.more === true; more;) {
    socket.send({ type: "history", room: ROOM, after: seqs.at(-1), limit: 200 });
    const page = await socket.nextOf("history");
    seqs.push(...page.messages.map(({ seq }) => seq));
    more = page.more;
  }
  return seqs;
}

function range(from: number, through: number) {
  return Array.from({ length: through - from + 1 }, (_, index) => from + index);
}

/** How many slow consumers the server has closed, from its `/metrics`. */
async function slowConsumerCloses(origin: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const line = /^switchboard_slow_consumer_closes_total(?:\{[^}]*\})? (\d+)/m.exec(text);
  return Number(line?.[1] ?? 0);
}

const frame = (value: unknown) => maskedTextFrame(JSON.stringify(value));
const HISTORY = frame({ type: "history", room: ROOM, limit: 200 });

Deno.test("15 readers that never read, asking a 24 MB room for everything, cannot grow the server past its bound", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-amplification-" });
  const kvPath = `${dir}/switchboard.kv`;
  await seedBigRoom(kvPath);
  // A rate that lets the witness page through the room quickly; the readers keep to 5 a second.
  await using server = await startServerProcess({
    env: { KV_PATH: kvPath, RATE_BURST: "100", RATE_PER_SECOND: "50" },
  });
  const wsUrl = `ws://127.0.0.1:${server.port}/api/ws`;
  const readers: Deno.TcpConn[] = [];
  try {
    // A reader who reads, in the room before, during and after the attack. Its catch-up of
    // the whole room is the baseline: serving 24 MB once grows the heap whoever reads it.
    await using witness = await openSocket(wsUrl, { token: await tokenFor("witness") });
    await witness.nextOf("hello");
    deepEqual(await catchUp(witness), range(1, MESSAGES), "every message once, in order");
    const before = await readRssBytes(server.pid);
    const peak = watchPeakRss(server.pid);

    for (let index = 0; index < READERS; index++) {
      const reader = await openRawSocket(server.port, await tokenFor(`reader-${index}`));
      readers.push(reader);
      // The rate limit's whole burst at once: a join of everything, then history pages.
      await writeAll(reader, frame({ type: "join", room: ROOM, since: 0 }));
      for (let request = 0; request < 19; request++) await writeAll(reader, HISTORY);
    }
    // Then a history page each at the rate limit, until every reader was cut off.
    for (let round = 0; (await slowConsumerCloses(server.origin)) < READERS; round++) {
      ok(round < 300, "every reader is closed within a minute");
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const reader of readers) await reader.write(HISTORY).catch(() => 0);
    }
    const growth = (await peak.stop()) - before;
    ok(growth < RSS_GROWTH_BOUND, `resident memory grew by ${mib(growth)} from ${mib(before)}`);

    witness.send({ type: "send", room: ROOM, text: "still chatting", cid: "w1" });
    equal((await witness.nextOf("ack")).cid, "w1");
    equal((await witness.nextOf("message")).text, "still chatting");
    await assertStillServing(server);
    // Each reader's connection ends: with the slow consumer's close frame, or without it when
    // a frame that arrived after the close made the server drop the connection outright.
    for (const reader of readers) ok([1008, null].includes(await readCloseCode(reader)));
  } finally {
    for (const reader of readers) reader.close();
    await Deno.remove(dir, { recursive: true });
  }
});

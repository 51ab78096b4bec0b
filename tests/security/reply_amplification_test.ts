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
 * 300 MiB (80 to 141 MiB measured on a quiet machine, up to 256 MiB while
 * other test processes ran beside it; 2.4 GB before the fix). What is held for
 * each reader is at most about 3 MiB (the bound, one reply, Deno's write
 * buffer): 30 readers cost about 50 MiB more than 15. The rest is garbage the
 * collector has not caught up with, since each socket's kernel buffers take
 * several MB before any backlog builds.
 *
 * The same attack through the fallback: 15 event streams that never read,
 * whose frames are POSTed to `/api/send`. The same bound holds, and each
 * stream is cut rather than ended.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createMessageStore } from "../../lib/server/store/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import {
  endsWithLastChunk,
  maskedTextFrame,
  openRawSocket,
  readCloseCode,
  writeAll,
} from "../_helpers/raw_socket.ts";
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
const RSS_GROWTH_BOUND = 300 * 1024 * 1024;

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
const JOIN_ALL = { type: "join", room: ROOM, since: 0 };
const HISTORY = { type: "history", room: ROOM, limit: 200 };

/** A client that asks for replies and never reads them. */
interface Reader {
  /** Sends `frames` (a failure is ignored: the server may have cut the reader off). */
  ask(frames: unknown[]): Promise<void>;
  /** Resolves once the server ended the connection: true if it was cut short, as it must be. */
  cut(): Promise<boolean>;
  close(): void;
}

/** A raw WebSocket that never reads. */
async function socketReader(port: number, name: string): Promise<Reader> {
  const socket = await openRawSocket(port, await tokenFor(name));
  return {
    async ask(frames) {
      for (const value of frames) await writeAll(socket, frame(value)).catch(() => {});
    },
    // With the slow consumer's close frame, or without it when a frame that arrived after the
    // close made the server drop the connection outright.
    cut: async () => [1008, null].includes(await readCloseCode(socket)),
    close: () => socket.close(),
  };
}

/** An event stream read up to its `hello` and never after; frames go by `POST /api/send`. */
async function streamReader(port: number, name: string): Promise<Reader> {
  const token = await tokenFor(name);
  const stream = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    `Accept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`;
  await writeAll(stream, new TextEncoder().encode(request));
  const session = /"session":"([^"]+)"/.exec(await readUntil(stream, `"type":"hello"`, "\n\n"))![1];
  return {
    async ask(frames) {
      const sent = await fetch(`http://127.0.0.1:${port}/api/send?session=${session}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(frames),
      }).catch(() => undefined);
      await sent?.body?.cancel();
    },
    // A cut chunked body never gets its last chunk.
    cut: async () => !(await endsWithLastChunk(stream)),
    close: () => stream.close(),
  };
}

/** Reads until `first` and then `then` after it have arrived; returns all read. */
async function readUntil(connection: Deno.Conn, first: string, then: string): Promise<string> {
  const buffer = new Uint8Array(16 * 1024);
  let received = "";
  while (!received.includes(then, Math.max(0, received.indexOf(first)))) {
    const read = await connection.read(buffer);
    if (read === null) throw new Error(`the connection ended before ${first}: ${received}`);
    received += new TextDecoder().decode(buffer.subarray(0, read));
  }
  return received;
}

const TRANSPORTS = [
  ["WebSockets", socketReader],
  ["event streams", streamReader],
] as const;

for (const [transport, openReader] of TRANSPORTS) {
  Deno.test(`15 readers that never read (${transport}), asking a 24 MB room for everything, cannot grow the server past its bound`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "sb-amplification-" });
    const kvPath = `${dir}/switchboard.kv`;
    await seedBigRoom(kvPath);
    // A rate that lets the witness page through the room quickly; the readers keep to 5 a second.
    await using server = await startServerProcess({
      env: { KV_PATH: kvPath, RATE_BURST: "100", RATE_PER_SECOND: "50" },
    });
    const wsUrl = `ws://127.0.0.1:${server.port}/api/ws`;
    const readers: Reader[] = [];
    try {
      // A reader who reads, in the room before, during and after the attack. Its catch-up of
      // the whole room is the baseline: serving 24 MB once grows the heap whoever reads it.
      await using witness = await openSocket(wsUrl, { token: await tokenFor("witness") });
      await witness.nextOf("hello");
      deepEqual(await catchUp(witness), range(1, MESSAGES), "every message once, in order");
      const before = await readRssBytes(server.pid);
      const peak = watchPeakRss(server.pid);

      for (let index = 0; index < READERS; index++) {
        const reader = await openReader(server.port, `reader-${index}`);
        readers.push(reader);
        // The rate limit's whole burst at once: a join of everything, then history pages.
        await reader.ask([JOIN_ALL, ...Array(19).fill(HISTORY)]);
      }
      // Then a history page each at the rate limit, until every reader was cut off.
      for (let round = 0; (await slowConsumerCloses(server.origin)) < READERS; round++) {
        ok(round < 300, "every reader is closed within a minute");
        await new Promise((resolve) => setTimeout(resolve, 200));
        await Promise.all(readers.map((reader) => reader.ask([HISTORY])));
      }
      const growth = (await peak.stop()) - before;
      ok(growth < RSS_GROWTH_BOUND, `resident memory grew by ${mib(growth)} from ${mib(before)}`);

      witness.send({ type: "send", room: ROOM, text: "still chatting", cid: "w1" });
      equal((await witness.nextOf("ack")).cid, "w1");
      equal((await witness.nextOf("message")).text, "still chatting");
      await assertStillServing(server);
      for (const reader of readers) ok(await reader.cut(), "the reader was cut off");
    } finally {
      for (const reader of readers) reader.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

import { equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import {
  endsWithLastChunk,
  maskedTextFrame,
  openRawSocket,
  readCloseCode,
  writeAll,
} from "../_helpers/raw_socket.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { createLogger, type LogFields } from "../../lib/server/log.ts";

// The default bound (1 MiB): the sender, who reads, must stay under it through each burst.
const ENV = {
  MAX_FRAME_BYTES: "1048576",
  MAX_TEXT_CHARS: "15000",
  RATE_BURST: "100000",
};

async function tokenFor(server: TestServer, name: string) {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role: "user" })).token;
}

/**
 * A sender in `general` that sends big messages until `stop` says enough, or
 * until it sent `maxBatches` × 20 of them (so that a bound that never holds
 * fails the test instead of hanging it).
 */
async function flood(server: TestServer, stop: () => boolean, maxBatches = Infinity) {
  await using sender = await openSocket(server.wsUrl, { token: await tokenFor(server, "ada") });
  await sender.nextOf("hello");
  sender.send({ type: "join", room: "general" });
  await sender.nextOf("joined");
  const text = "x".repeat(15_000);
  // Sent 20 at a time, so that the kernel's buffers fill in a few round trips.
  for (let batch = 0; !stop() && batch < maxBatches; batch++) {
    for (let i = 0; i < 20; i++) {
      sender.send({ type: "send", room: "general", text, cid: `c${batch}-${i}` });
    }
    for (let i = 0; i < 20; i++) await sender.nextOf("ack");
  }
}

/**
 * A test server whose warnings land in `warnings`, on virtual time that never
 * moves: a slow consumer's close must not wait for any timer.
 */
function startWatchedServer(warnings: LogFields[]): Promise<TestServer> {
  const log = createLogger({ level: "warn", sink: (line) => warnings.push(JSON.parse(line)) });
  return startTestServer({ clock: createVirtualClock(1_800_000_000_000), env: ENV, log });
}

/** `slow` was closed with 1008 at the first message that took its backlog past 1 MiB. */
function assertClosedAtBound(warnings: LogFields[]): void {
  const [closed] = warnings.filter(({ event }) => event === "ws.slow_consumer");
  equal(closed.user, "user:slow");
  equal(closed.code, 1008);
  const backlog = closed.backlog as number;
  ok(backlog > 1024 * 1024, `closed at a backlog of ${backlog} bytes, over the bound`);
  ok(backlog < 1024 * 1024 + 16_000, "at the first frame past it: one message at most");
}

Deno.test("a socket over the backlog bound is closed with 1008 at the next frame, not later", async () => {
  const warnings: LogFields[] = [];
  await using server = await startWatchedServer(warnings);
  const { hub } = server.services;
  const raw = await openRawSocket(server.port, await tokenFor(server, "slow"));
  try {
    await writeAll(raw, maskedTextFrame(JSON.stringify({ type: "join", room: "general" })));
    while (![...hub.connections].some((connection) => connection.rooms.has("general"))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const slow = [...hub.connections].find((connection) => connection.user.id === "user:slow")!;

    // The raw client never reads: once the kernel's buffers are full, the server's backlog
    // grows, and the first message that would queue onto a backlog over the bound closes it.
    await flood(server, () => slow.state !== "open");
    assertClosedAtBound(warnings);
    equal(await readCloseCode(raw), 1008);
  } finally {
    raw.close();
  }
  equal(server.services.metrics.slowConsumerCloses.value, 1);
});

/** Reads from `connection` until `text` has arrived; returns everything read. */
async function readUntil(connection: Deno.Conn, text: string): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(16 * 1024);
  let received = "";
  while (!received.includes(text)) {
    const read = await connection.read(buffer);
    if (read === null) throw new Error(`the connection ended before ${text}: ${received}`);
    received += decoder.decode(buffer.subarray(0, read), { stream: true });
  }
  return received;
}

Deno.test("an event stream not read is cut at the backlog bound, through the guarded server and compression", async () => {
  const warnings: LogFields[] = [];
  await using server = await startWatchedServer(warnings);
  const { hub } = server.services;
  const token = await tokenFor(server, "slow");
  const raw = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    const request = [
      "GET /api/events HTTP/1.1",
      `Host: 127.0.0.1:${server.port}`,
      "Accept: text/event-stream",
      // The compression middleware must leave the stream alone: it would hold it whole.
      "Accept-Encoding: br, gzip",
      `Authorization: Bearer ${token}`,
      "\r\n",
    ].join("\r\n");
    await writeAll(raw, new TextEncoder().encode(request));
    const opening = await readUntil(raw, "\n\n");
    const head = opening.slice(0, opening.indexOf("\r\n\r\n")).toLowerCase();
    ok(head.startsWith("http/1.1 200"), head);
    ok(head.includes("content-type: text/event-stream"), head);
    ok(!head.includes("content-encoding"), `the event stream is not compressed: ${head}`);
    ok(opening.includes(`"type":"hello"`), "hello streams before the response ends");
    const session = /"session":"([^"]+)"/.exec(opening)![1];

    const joined = await fetch(`${server.origin}/api/send?session=${session}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ type: "join", room: "general" }),
    });
    equal(joined.status, 202);
    await joined.body?.cancel();
    while (![...hub.connections].some((connection) => connection.rooms.has("general"))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const slow = [...hub.connections].find((connection) => connection.user.id === "user:slow")!;
    equal(slow.transport, "sse");

    // The raw client reads no more. The guarded server takes a chunk of the stream only once
    // the socket took the one before, so the stream's queue, its bufferedAmount, grows; a
    // server that buffered the body itself would keep it at zero and never close (at most
    // 60 MB are sent, then the test fails).
    await flood(server, () => slow.state !== "open", 200);
    equal(slow.state === "open", false, "the slow reader was closed");
    assertClosedAtBound(warnings);
    equal(await endsWithLastChunk(raw), false, "a cut stream does not end like a whole one");
  } finally {
    raw.close();
  }
  equal(server.services.metrics.slowConsumerCloses.value, 1);
});

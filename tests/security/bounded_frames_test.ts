/**
 * Attack: frames far over `MAX_FRAME_BYTES`, against the server's own
 * WebSocket engine (`WS_ENGINE=own`, `lib/framework/own_web_socket.ts`),
 * which reads each frame's header before its payload. What it guarantees,
 * and these tests pin:
 * - a frame announcing 50 MiB is closed with 1009 before its payload is
 *   buffered: 16 authenticated sockets pushing 50 MiB each grow the server by
 *   less than 32 MiB (Deno's engine: up to 64 MiB each), and each is cut
 *   within 4 s of the close (the 2 s close handshake, plus slack);
 * - the same for a message whose fragments add up past the bound;
 * - a message stalled halfway is closed with 1008 once `WS_MESSAGE_TIMEOUT_MS`
 *   is up (exactly, in virtual time: `tests/unit/framework_own_web_socket_test.ts`);
 * - protocol breaches (unmasked frames, reserved bits) are 1002, text that is
 *   not UTF-8 is 1007, pings get pongs, fragmented frames are reassembled.
 */
import { equal, ok } from "node:assert/strict";
import { readRssBytes } from "../../bench/process_stats.ts";
import {
  openFrameReader,
  openRawSocket,
  readCloseCode,
  readUntilEnded,
  textFrameHeader,
  writeAll,
} from "../_helpers/raw_socket.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { startTestServer } from "../_helpers/server.ts";
import { assertStillServing, joinedSocket, mib, tokenFor, watchPeakRss } from "./_attack.ts";

const MIB = 1024 * 1024;
const ANNOUNCED_BYTES = 50 * MIB;
const SOCKETS = 16;
/** What 16 sockets pushing 50 MiB each may grow the server by, in all. */
const GROWTH_BOUND = 32 * MIB;
/** The server's close gives the peer 2 s to answer; the rest is scheduling on a busy machine. */
const CUT_MS = 4_000;
const CHUNK = new Uint8Array(MIB).fill(0x61);
const OWN_ENGINE = { WS_ENGINE: "own" };

/** A masked client frame with mask 0 (the payload stays as is); FIN unless told otherwise. */
function frame(opcode: number, payload: Uint8Array | string, { fin = true, masked = true } = {}) {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const header = textFrameHeader(bytes.length);
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (!masked) header[1] &= 0x7f;
  const start = masked ? header : header.subarray(0, header.length - 4);
  const whole = new Uint8Array(start.length + bytes.length);
  whole.set(start);
  whole.set(bytes, start.length);
  return whole;
}

/**
 * Opens an authenticated socket, writes `prefix`, then pushes up to 50 MiB
 * more as fast as the server takes it. Resolves with the close code and how
 * long after it the server ended the connection.
 */
async function pushPast(port: number, user: string, prefix: Uint8Array) {
  const socket = await openRawSocket(port, await tokenFor(user));
  try {
    const writing = (async () => {
      await writeAll(socket, prefix);
      for (let sent = 0; sent < ANNOUNCED_BYTES; sent += MIB) await writeAll(socket, CHUNK);
    })().catch(() => {}); // the server hangs up mid-frame
    const code = await readCloseCode(socket);
    const closedAt = performance.now();
    await readUntilEnded(socket);
    const cutAfter = performance.now() - closedAt;
    await writing;
    return { code, cutAfter };
  } finally {
    socket.close();
  }
}

async function attack(prefixFor: (index: number) => Uint8Array) {
  await using server = await startServerProcess({ env: OWN_ENGINE });
  const wsUrl = `ws://127.0.0.1:${server.port}/api/ws`;
  await using bystander = await joinedSocket(wsUrl, "bystander", "general");
  const before = await readRssBytes(server.pid);
  const peak = watchPeakRss(server.pid);
  const outcomes = await Promise.all(
    Array.from(
      { length: SOCKETS },
      (_, index) => pushPast(server.port, `attacker-${index % 4}`, prefixFor(index)),
    ),
  );
  const growth = (await peak.stop()) - before;
  for (const { code, cutAfter } of outcomes) {
    equal(code, 1009);
    ok(cutAfter < CUT_MS, `cut ${cutAfter} ms after the close`);
  }
  ok(growth < GROWTH_BOUND, `grew by ${mib(growth)} with 16 sockets pushing 50 MiB each`);
  bystander.send({ type: "send", room: "general", text: "unharmed", cid: "b1" });
  equal((await bystander.nextOf("ack")).cid, "b1");
  await assertStillServing(server);
}

Deno.test("own engine: 16 frames announcing 50 MiB are closed with 1009 unbuffered; the server grows < 32 MiB", async () => {
  await attack(() => textFrameHeader(ANNOUNCED_BYTES));
});

Deno.test("own engine: fragments adding up past the bound are closed with 1009 unbuffered", async () => {
  const fragment = frame(0x1, `{"type":"ping","t":1,"x":"${"a".repeat(40_000)}`, { fin: false });
  const more = textFrameHeader(ANNOUNCED_BYTES);
  more[0] = 0x00; // a continuation, not final, announcing 50 MiB
  await attack(() => {
    const prefix = new Uint8Array(fragment.length + more.length);
    prefix.set(fragment);
    prefix.set(more, fragment.length);
    return prefix;
  });
});

Deno.test("own engine: a message stalled halfway is closed with 1008 at WS_MESSAGE_TIMEOUT_MS; others carry on", async () => {
  await using server = await startServerProcess({
    env: { ...OWN_ENGINE, WS_MESSAGE_TIMEOUT_MS: "500" },
  });
  const sockets = await Promise.all(
    Array.from({ length: SOCKETS }, async (_, index) => {
      const socket = await openRawSocket(server.port, await tokenFor(`staller-${index % 4}`));
      await writeAll(socket, textFrameHeader(60_000));
      await writeAll(socket, CHUNK.subarray(0, 30_000));
      return socket;
    }),
  );
  try {
    for (const socket of sockets) equal(await readCloseCode(socket), 1008);
  } finally {
    for (const socket of sockets) socket.close();
  }
  await assertStillServing(server);
});

Deno.test("own engine: pings, fragments, unmasked frames, reserved bits and bad UTF-8 on the real server", async () => {
  await using server = await startTestServer({ env: OWN_ENGINE });
  const open = async () => {
    const socket = await openRawSocket(server.port, await tokenFor("prober"));
    return { socket, frames: openFrameReader(socket) };
  };
  const nextText = async (frames: ReturnType<typeof openFrameReader>) => {
    for (let next = await frames.next(); next; next = await frames.next()) {
      if (next.opcode === 0x1) return JSON.parse(new TextDecoder().decode(next.payload));
    }
    throw new Error("closed before a text frame");
  };

  const client = await open();
  equal((await nextText(client.frames)).type, "hello");
  // A protocol-level ping: the pong carries its payload.
  await writeAll(client.socket, frame(0x9, "are you there"));
  const pong = await client.frames.next();
  equal(pong?.opcode, 0xa);
  equal(new TextDecoder().decode(pong!.payload), "are you there");
  // The contract's ping in three fragments, with a protocol ping between them.
  const ping = '{"type":"ping","t":42}';
  await writeAll(client.socket, frame(0x1, ping.slice(0, 5), { fin: false }));
  await writeAll(client.socket, frame(0x9, ""));
  await writeAll(client.socket, frame(0x0, ping.slice(5, 12), { fin: false }));
  await writeAll(client.socket, frame(0x0, ping.slice(12)));
  equal((await client.frames.next())?.opcode, 0xa);
  const answer = await nextText(client.frames);
  equal(answer.type, "pong");
  equal(answer.t, 42);
  client.socket.close();

  const breaches: [string, Uint8Array, number][] = [
    ["an unmasked frame", frame(0x1, ping, { masked: false }), 1002],
    ["reserved bits", Uint8Array.of(0xc1, ...frame(0x1, ping).subarray(1)), 1002],
    ["an unknown opcode", frame(0x3, ping), 1002],
    ["text that is not UTF-8", frame(0x1, Uint8Array.of(0x7b, 0xff, 0x7d)), 1007],
  ];
  for (const [what, bytes, expected] of breaches) {
    const { socket } = await open();
    await writeAll(socket, bytes);
    equal(await readCloseCode(socket), expected, what);
    socket.close();
  }
});

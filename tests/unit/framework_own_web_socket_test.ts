/**
 * The framework's own WebSocket (`lib/framework/own_web_socket.ts`) on a real
 * guarded server and real TCP connections, written to byte by byte as a
 * hostile client would; its timeouts run on a virtual clock.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { App } from "../../lib/framework/app.ts";
import { serveGuarded } from "../../lib/framework/guarded_server.ts";
import type { ServerWebSocket } from "../../lib/framework/socket_handover.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { openFrameReader, openRawUpgrade, writeAll } from "../_helpers/raw_socket.ts";

const MAX_MESSAGE_BYTES = 1024;
const MESSAGE_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 2_000;

/** A masked client frame (mask 0x11 0x22 0x33 0x44), FIN unless told otherwise. */
function clientFrame(
  opcode: number,
  payload: Uint8Array | string,
  { fin = true, masked = true } = {},
): Uint8Array {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const mask = [0x11, 0x22, 0x33, 0x44];
  const extended = bytes.length < 126 ? 0 : 2;
  const header = [
    (fin ? 0x80 : 0) | opcode,
    (masked ? 0x80 : 0) | (extended ? 126 : bytes.length),
    ...(extended ? [bytes.length >> 8, bytes.length & 0xff] : []),
    ...(masked ? mask : []),
  ];
  const frame = new Uint8Array(header.length + bytes.length);
  frame.set(header);
  bytes.forEach((byte, index) => {
    frame[header.length + index] = masked ? byte ^ mask[index & 3] : byte;
  });
  return frame;
}

/** An echo route on a guarded server with the own engine; the server side's sockets and closes. */
async function serveEcho() {
  const clock = createVirtualClock(1_000_000);
  const opened: ServerWebSocket[] = [];
  const closes: { code: number; reason: string }[] = [];
  const closed = new Set<() => void>();
  const handler = new App<unknown>({ root: new URL("./", import.meta.url) }).ws("/api/ws", {
    upgrade: () => ({ protocol: "echo", closeTimeoutMs: CLOSE_TIMEOUT_MS, data: {} }),
    open: (socket) => void opened.push(socket),
    message: (socket, event) => socket.send(event.data),
    close: (_socket, event) => {
      closes.push({ code: event.code, reason: event.reason });
      for (const wake of closed) wake();
    },
  }).handler();
  const server = await serveGuarded(handler, {
    hostname: "127.0.0.1",
    port: 0,
    headersTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
    maxConnections: 100,
    maxConnectionsPerAddress: 100,
    ownWebSockets: {
      maxMessageBytes: MAX_MESSAGE_BYTES,
      messageTimeoutMs: MESSAGE_TIMEOUT_MS,
      clock,
    },
  });
  return {
    clock,
    opened,
    closes,
    /** Resolves once the server has seen `count` sockets close. */
    async closedCount(count: number) {
      while (closes.length < count) await new Promise<void>((wake) => closed.add(wake));
    },
    async connect() {
      const connection = await openRawUpgrade(server.addr.port, ["echo"]);
      const frames = openFrameReader(connection);
      const seen = opened.length;
      // The first frame the test reads also waits for the head; the socket opens before it.
      return { connection, frames, opened: () => opened.length > seen };
    },
    [Symbol.asyncDispose]: () => Promise.resolve(server.close()),
  };
}

const text = (payload: Uint8Array) => new TextDecoder().decode(payload);

/** Writes `bytes` and waits until the server's socket opened (frames may only be read after). */
async function openedWith(
  client: Awaited<ReturnType<Awaited<ReturnType<typeof serveEcho>>["connect"]>>,
) {
  await writeAll(client.connection, clientFrame(0x9, "are you there"));
  const pong = await client.frames.next();
  equal(pong?.opcode, 0xa);
  equal(text(pong!.payload), "are you there", "a ping is answered with a pong of its payload");
}

Deno.test("own WebSocket: texts, binaries and fragmented messages echo whole; pings get pongs", async () => {
  await using server = await serveEcho();
  const client = await server.connect();
  await openedWith(client);
  await writeAll(client.connection, clientFrame(0x1, "héllo"));
  deepEqual(await client.frames.next(), {
    opcode: 0x1,
    fin: true,
    payload: new TextEncoder().encode("héllo"),
  });
  await writeAll(client.connection, clientFrame(0x2, new Uint8Array([1, 2, 3])));
  deepEqual((await client.frames.next())?.payload, new Uint8Array([1, 2, 3]));
  // Three fragments with a ping among them, every byte written on its own.
  const fragmented = [
    clientFrame(0x1, "one ", { fin: false }),
    clientFrame(0x9, "mid"),
    clientFrame(0x0, "two ", { fin: false }),
    clientFrame(0x0, "three"),
  ];
  for (const frame of fragmented) {
    for (let at = 0; at < frame.length; at++) {
      await writeAll(client.connection, frame.subarray(at, at + 1));
    }
  }
  const pong = await client.frames.next();
  equal(pong?.opcode, 0xa);
  equal(text(pong!.payload), "mid");
  const whole = await client.frames.next();
  equal(whole?.opcode, 0x1);
  equal(text(whole!.payload), "one two three");
  // A clean close: echoed, and the server sees the client's code.
  await writeAll(client.connection, clientFrame(0x8, new Uint8Array([0x0f, 0xa0, 0x62, 0x79])));
  const close = await client.frames.next();
  equal(close?.opcode, 0x8);
  deepEqual([...close!.payload], [0x0f, 0xa0, 0x62, 0x79]);
  equal(await client.frames.next(), null, "the server ends the connection");
  await server.closedCount(1);
  deepEqual(server.closes, [{ code: 4000, reason: "by" }]);
  client.connection.close();
});

/** The code of the server's next close frame, skipping other frames; null if none came. */
async function nextCloseCode(frames: ReturnType<typeof openFrameReader>): Promise<number | null> {
  for (let frame = await frames.next(); frame; frame = await frames.next()) {
    if (frame.opcode === 0x8) return (frame.payload[0] << 8) | frame.payload[1];
  }
  return null;
}

/** Resolves once the server armed a timer: the bytes written so far have reached it. */
async function timerArmed(clock: ReturnType<typeof createVirtualClock>): Promise<void> {
  while (clock.pending() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Opens a client, sends `bytes`, and returns the close code the server sends and sees. */
async function closedFor(bytes: Uint8Array[]) {
  await using server = await serveEcho();
  const client = await server.connect();
  await openedWith(client);
  for (const chunk of bytes) await writeAll(client.connection, chunk);
  const sent = await nextCloseCode(client.frames);
  // The server waits for the client's close; it never comes, so the close timeout cuts it.
  while (server.closes.length === 0) {
    server.clock.advance(CLOSE_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  client.connection.close();
  return { sent, seen: server.closes[0].code };
}

Deno.test("own WebSocket: an unmasked frame is closed with 1002", async () => {
  deepEqual(await closedFor([clientFrame(0x1, "hi", { masked: false })]), {
    sent: 1002,
    seen: 1002,
  });
});

Deno.test("own WebSocket: reserved bits and unknown opcodes are closed with 1002", async () => {
  const rsv = clientFrame(0x1, "hi");
  rsv[0] |= 0x40;
  deepEqual(await closedFor([rsv]), { sent: 1002, seen: 1002 });
  deepEqual(await closedFor([clientFrame(0x3, "hi")]), { sent: 1002, seen: 1002 });
});

Deno.test("own WebSocket: text that is not UTF-8 is closed with 1007", async () => {
  const bad = clientFrame(0x1, new Uint8Array([0x68, 0xc3, 0x28]));
  deepEqual(await closedFor([bad]), { sent: 1007, seen: 1007 });
});

Deno.test("own WebSocket: a message announced over the bound is closed with 1009 before its payload", async () => {
  // Only the header: the server cannot have waited for a payload it never got.
  const header = clientFrame(0x2, new Uint8Array(MAX_MESSAGE_BYTES + 1)).subarray(0, 8);
  deepEqual(await closedFor([header]), { sent: 1009, seen: 1009 });
  const fragments = [
    clientFrame(0x1, "a".repeat(1000), { fin: false }),
    clientFrame(0x0, "a".repeat(25), { fin: false }).subarray(0, 6),
  ];
  deepEqual(await closedFor(fragments), { sent: 1009, seen: 1009 });
});

Deno.test("own WebSocket: a message stalled halfway is closed with 1008 when its time is up, not before", async () => {
  await using server = await serveEcho();
  const client = await server.connect();
  await openedWith(client);
  const frame = clientFrame(0x1, "a".repeat(500));
  await writeAll(client.connection, frame.subarray(0, 100));
  // Let the bytes reach the server (a ping after them would be inside the frame; wait on the timer).
  await timerArmed(server.clock);
  server.clock.advance(MESSAGE_TIMEOUT_MS - 1);
  equal(server.opened[0].readyState, 1, "still open a millisecond before the bound");
  server.clock.advance(1);
  equal(server.opened[0].readyState, 2, "closing at the bound");
  equal(await nextCloseCode(client.frames), 1008);
  // The client answers nothing: cut at the close timeout, not before.
  server.clock.advance(CLOSE_TIMEOUT_MS - 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  equal(server.closes.length, 0);
  server.clock.advance(1);
  await server.closedCount(1);
  equal(server.closes[0].code, 1008);
  equal(await client.frames.next(), null, "the connection is gone");
  client.connection.close();
});

Deno.test("own WebSocket: a slow message that completes in time, and the next one, are not cut", async () => {
  await using server = await serveEcho();
  const client = await server.connect();
  await openedWith(client);
  const frame = clientFrame(0x1, "b".repeat(300));
  await writeAll(client.connection, frame.subarray(0, 50));
  await timerArmed(server.clock);
  server.clock.advance(MESSAGE_TIMEOUT_MS - 10);
  await writeAll(client.connection, frame.subarray(50));
  equal(text((await client.frames.next())!.payload), "b".repeat(300));
  // A second message starts now: it gets a whole bound of its own.
  await writeAll(client.connection, frame.subarray(0, 50));
  server.clock.advance(20);
  await new Promise((resolve) => setTimeout(resolve, 20));
  server.clock.advance(MESSAGE_TIMEOUT_MS - 30);
  ok(server.opened[0].readyState === 1, "the second message still has time");
  await writeAll(client.connection, frame.subarray(50));
  equal(text((await client.frames.next())!.payload), "b".repeat(300));
  client.connection.close();
});

Deno.test("own WebSocket: a listener that throws closes its socket with 1011, and the server goes on", async () => {
  await using server = await serveEcho();
  const faulty = await server.connect();
  await openedWith(faulty);
  server.opened[0].onmessage = () => {
    throw new Error("a listener's fault");
  };
  await writeAll(faulty.connection, clientFrame(0x1, "hello"));
  equal(await nextCloseCode(faulty.frames), 1011);
  faulty.connection.close();

  const other = await server.connect();
  await openedWith(other);
  await writeAll(other.connection, clientFrame(0x1, "still here"));
  equal(text((await other.frames.next())!.payload), "still here");
  other.connection.close();
});

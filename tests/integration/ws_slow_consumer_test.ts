import { equal, ok } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

/** A client frame with a zero mask (legal, and the payload stays as is). */
function maskedTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  return new Uint8Array([0x81, 0x80 | payload.length, 0, 0, 0, 0, ...payload]);
}

/** Opens a WebSocket by hand on a raw TCP connection, so the test decides when it reads. */
async function openRawSocket(port: number, token: string): Promise<Deno.TcpConn> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = [
    "GET /api/ws HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    `Sec-WebSocket-Protocol: switchboard.v1, switchboard.bearer.${token}`,
    "\r\n",
  ].join("\r\n");
  await connection.write(new TextEncoder().encode(request));
  return connection;
}

/** Reads until the close frame with `reason` arrives; returns its close code. */
async function readUntilClose(connection: Deno.TcpConn, reason: string): Promise<number> {
  const marker = new TextEncoder().encode(reason);
  const buffer = new Uint8Array(64 * 1024);
  let tail = new Uint8Array(0);
  for (;;) {
    const read = await connection.read(buffer);
    if (read === null) throw new Error("connection ended before the close frame");
    tail = new Uint8Array([...tail, ...buffer.subarray(0, read)]).slice(-256);
    const text = new TextDecoder("latin1").decode(tail);
    const at = text.lastIndexOf(new TextDecoder("latin1").decode(marker));
    if (at >= 2) return (tail[at - 2] << 8) | tail[at - 1];
  }
}

Deno.test("a socket whose outbound buffer stays over the bound is closed with 1008", async () => {
  const clock = createVirtualClock(1_800_000_000_000);
  await using server = await startTestServer({
    clock,
    env: {
      SLOW_CONSUMER_BYTES: "65536",
      SLOW_CONSUMER_MS: "2000",
      MAX_FRAME_BYTES: "1048576",
      MAX_TEXT_CHARS: "15000",
      RATE_BURST: "100000",
    },
  });
  const { tokens, hub } = server.services;
  const raw = await openRawSocket(
    server.port,
    (await tokens.sign({ id: "user:slow", name: "slow", role: "user" })).token,
  );
  await raw.write(maskedTextFrame(JSON.stringify({ type: "join", room: "general" })));

  await using sender = await openSocket(server.wsUrl, {
    token: (await tokens.sign({ id: "user:ada", name: "ada", role: "user" })).token,
  });
  await sender.nextOf("hello");
  sender.send({ type: "join", room: "general" });
  await sender.nextOf("joined");
  const slow = [...hub.connections].find((connection) => connection.user.id === "user:slow")!;
  ok(slow.rooms.has("general"));

  // The raw client never reads: once the kernel's buffers are full, the server's backlog grows.
  const text = "x".repeat(15_000);
  for (let i = 0; slow.bufferedAmount <= 65_536; i++) {
    sender.send({ type: "send", room: "general", text, cid: `c${i}` });
    await sender.nextOf("ack");
  }
  clock.advance(1000);
  equal(slow.state, "open", "a backlog is tolerated for SLOW_CONSUMER_MS");
  clock.advance(2000);
  equal(slow.state, "closing");
  equal(await readUntilClose(raw, "slow consumer"), 1008);
  raw.close();
  await slow.closed;
  equal(hub.connections.size, 1, "the sender is still connected");
});

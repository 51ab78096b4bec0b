/**
 * A WebSocket client made by hand on a raw TCP connection, for tests that
 * behave as no well-mannered client would: one that never reads what the
 * server sends, or writes a frame's header and then its payload at leisure.
 *
 * @example
 * ```ts
 * const raw = await openRawSocket(server.port, token);
 * await raw.write(maskedTextFrame(JSON.stringify({ type: "join", room: "general" })));
 * // ...never read: the server's outbound backlog for this socket grows...
 * equal(await readCloseCode(raw), 1008);
 * ```
 */
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../lib/protocol/version.ts";

/** The header of a masked client text frame (mask zero) whose payload is `length` bytes. */
export function textFrameHeader(length: number): Uint8Array {
  if (length < 126) return new Uint8Array([0x81, 0x80 | length, 0, 0, 0, 0]);
  if (length < 65_536) {
    return new Uint8Array([0x81, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
  }
  const header = new Uint8Array(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  new DataView(header.buffer).setBigUint64(2, BigInt(length));
  return header;
}

/** A whole client text frame, masked with a zero mask (legal, and the payload stays as is). */
export function maskedTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const header = textFrameHeader(payload.length);
  const frame = new Uint8Array(header.length + payload.length);
  frame.set(header);
  frame.set(payload, header.length);
  return frame;
}

/** Writes every byte of `bytes` (a single `write` may take fewer). */
export async function writeAll(connection: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await connection.write(bytes.subarray(written));
  }
}

/**
 * Sends an upgrade request for `/api/ws` with the token as the contract's
 * bearer subprotocol on a raw TCP connection, and leaves all reading (the
 * 101 answer included) to the test.
 */
export function openRawSocket(port: number, token: string): Promise<Deno.TcpConn> {
  return openRawUpgrade(port, [PROTOCOL, BEARER_PROTOCOL_PREFIX + token]);
}

/** Like {@linkcode openRawSocket}, offering exactly `protocols` (none if empty). */
export async function openRawUpgrade(port: number, protocols: string[]): Promise<Deno.TcpConn> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = [
    "GET /api/ws HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...(protocols.length ? [`Sec-WebSocket-Protocol: ${protocols.join(", ")}`] : []),
    "\r\n",
  ].join("\r\n");
  await writeAll(connection, new TextEncoder().encode(request));
  return connection;
}

/** Reads and drops everything until the server ends the connection (or resets it). */
export async function readUntilEnded(connection: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  while (await connection.read(buffer).catch(() => null) !== null) {
    // Dropped: only the end matters.
  }
}

/** A server frame as read off the wire. */
export interface ServerFrame {
  opcode: number;
  fin: boolean;
  payload: Uint8Array;
}

/**
 * Reads the server's frames one by one, after skipping the 101's head; `next`
 * resolves with null once the connection ends (or resets) between frames.
 */
export function openFrameReader(connection: Deno.Conn): { next(): Promise<ServerFrame | null> } {
  const buffer = new Uint8Array(64 * 1024);
  let pending = new Uint8Array(0);
  let headerSeen = false;
  return {
    async next() {
      for (;;) {
        if (headerSeen) {
          const frame = frameAt(pending);
          if (frame) {
            pending = pending.slice(frame.size);
            return { opcode: frame.opcode, fin: frame.fin, payload: frame.payload.slice() };
          }
        }
        const read = await connection.read(buffer).catch(() => null);
        if (read === null) return null;
        const joined = new Uint8Array(pending.length + read);
        joined.set(pending);
        joined.set(buffer.subarray(0, read), pending.length);
        pending = joined;
        if (!headerSeen) {
          const end = findHeaderEnd(pending);
          if (end < 0) continue;
          headerSeen = true;
          pending = pending.slice(end);
        }
      }
    },
  };
}

/**
 * Reads until the server's close frame arrives and returns its code, or null
 * when the connection ends without one. Everything before it is skipped.
 */
export async function readCloseCode(connection: Deno.Conn): Promise<number | null> {
  const frames = openFrameReader(connection);
  for (;;) {
    const frame = await frames.next();
    if (!frame) return null;
    if (frame.opcode === 8) {
      return frame.payload.length >= 2 ? (frame.payload[0] << 8) | frame.payload[1] : null;
    }
  }
}

function findHeaderEnd(bytes: Uint8Array): number {
  for (let index = 3; index < bytes.length; index++) {
    if (
      bytes[index - 3] === 13 && bytes[index - 2] === 10 && bytes[index - 1] === 13 &&
      bytes[index] === 10
    ) return index + 1;
  }
  return -1;
}

function frameAt(
  bytes: Uint8Array,
): { opcode: number; fin: boolean; payload: Uint8Array; size: number } | null {
  if (bytes.length < 2) return null;
  let length = bytes[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return null;
    length = (bytes[2] << 8) | bytes[3];
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return null;
    length = Number(new DataView(bytes.buffer, bytes.byteOffset + 2, 8).getBigUint64(0));
    offset = 10;
  }
  if (bytes.length < offset + length) return null;
  return {
    opcode: bytes[0] & 0x0f,
    fin: (bytes[0] & 0x80) !== 0,
    payload: bytes.subarray(offset, offset + length),
    size: offset + length,
  };
}

/** Reads `connection` to its end and says whether the last bytes ended a chunked body. */
export async function endsWithLastChunk(connection: Deno.Conn): Promise<boolean> {
  const buffer = new Uint8Array(64 * 1024);
  let tail = "";
  for (;;) {
    const read = await connection.read(buffer).catch(() => null);
    if (read === null) return tail.endsWith("\r\n0\r\n\r\n");
    tail = (tail + new TextDecoder().decode(buffer.subarray(0, read))).slice(-16);
  }
}

/**
 * The load generator's default client: non-blocking TCP sockets driven by one
 * epoll per worker (libc_sockets.ts), speaking just enough WebSocket for the
 * bench (ws_codec.ts). One wait returns every ready socket; each is read with
 * one `recv` of whatever the kernel holds, often many frames, and the frames
 * are walked in place: a delivery is found by its marker in the bytes
 * (marker.ts) and costs no string, no event, no promise and no allocation.
 * Only frames without a marker (handshakes, join confirmations, acks) are
 * decoded and handed to the dialect's session.
 *
 * Written here, not taken from a library: a WebSocket client library (ws,
 * Deno's own `WebSocket`) costs an event, a string and a promise per frame,
 * which at tens of thousands of deliveries a second measures the client
 * rather than the server (`--client=websocket` runs that client to compare).
 *
 * @example
 * ```ts
 * const client = createRawClient();
 * const connection = client.open({
 *   origin: "ws://127.0.0.1:8000",
 *   wire: createWire("peer"),
 *   clock: createBenchClock(),
 *   onDelivery: (phase, intendedAt, receivedAt) => console.log(receivedAt - intendedAt),
 *   onError: console.error,
 * });
 * await connection.ready;
 * await connection.join("lobby");
 * connection.close();
 * await client.close();
 * ```
 */
import type { BenchConnection, ConnectionOptions } from "./connection.ts";
import { EpollEvents, Errno, Events, type LibcSockets, openLibcSockets } from "./libc_sockets.ts";
import { assertLoopback } from "./loopback.ts";
import { type Marker, readMarker } from "./marker.ts";
import { connectionOf, createSession, type Session } from "./session.ts";
import {
  encodeClientFrame,
  frameBytesNeeded,
  FrameError,
  MAX_FRAME_BYTES,
  Opcode,
  readFrames,
} from "./ws_codec.ts";

/** Room for dozens of deliveries per read; grown for a bigger frame (a `joined` with history). */
const INITIAL_BUFFER_BYTES = 16 * 1024;
/** The most an HTTP upgrade response may take. */
const MAX_HANDSHAKE_BYTES = 8 * 1024;
/** Ready sockets taken per wait. */
const EVENTS_PER_WAIT = 512;
/** How long a wait blocks when nothing is ready, so that `close` is noticed. */
const WAIT_MS = 50;
const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const HEADER_END = [0x0d, 0x0a, 0x0d, 0x0a];
const NORMAL_CLOSURE = 1000;
const NO_STATUS = 1005;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A client that opens raw connections, all served by one epoll. */
export interface RawClient {
  open(options: ConnectionOptions): BenchConnection;
  /** Closes every connection still open and stops waiting. */
  close(): Promise<void>;
}

/** What the poll loop calls for a ready socket. */
interface SocketHandler {
  ready(events: number): void;
  /** Drops the socket at once (the client is closing). */
  abort(): void;
}

async function acceptKeyOf(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode(key + HANDSHAKE_GUID));
  return new Uint8Array(digest).toBase64();
}

function indexOfHeaderEnd(bytes: Uint8Array, to: number): number {
  outer: for (let at = 0; at + HEADER_END.length <= to; at++) {
    for (let offset = 0; offset < HEADER_END.length; offset++) {
      if (bytes[at + offset] !== HEADER_END[offset]) continue outer;
    }
    return at;
  }
  return -1;
}

function upgradeRequest(url: URL, key: string, protocols: string[]): Uint8Array {
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
    ...(protocols.length ? [`Sec-WebSocket-Protocol: ${protocols.join(", ")}`] : []),
  ];
  return encoder.encode(`${lines.join("\r\n")}\r\n\r\n`);
}

/** Checks an upgrade response's head; throws with what is wrong. */
function checkUpgradeResponse(head: string, expectedAccept: string) {
  const [status, ...headerLines] = head.split("\r\n");
  if (!/^HTTP\/1\.1 101\b/.test(status)) throw new Error(`upgrade refused: ${status}`);
  const accept = headerLines.find((line) => /^sec-websocket-accept:/i.test(line));
  if (accept?.slice(accept.indexOf(":") + 1).trim() !== expectedAccept) {
    throw new Error("upgrade response has a wrong Sec-WebSocket-Accept");
  }
}

/** Creates a {@linkcode RawClient}; its poll loop runs while it has sockets. */
export function createRawClient(): RawClient {
  const libc: LibcSockets = openLibcSockets();
  const epoll = libc.epollCreate();
  const events = new EpollEvents(EVENTS_PER_WAIT);
  const handlers = new Map<number, SocketHandler>();
  let polling: Promise<void> | undefined;
  let closed = false;

  const poll = async () => {
    while (handlers.size > 0 && !closed) {
      const ready = await libc.epollWait(epoll, events, WAIT_MS);
      for (let index = 0; index < ready; index++) {
        handlers.get(events.fd(index))?.ready(events.events(index));
      }
    }
    polling = undefined;
  };

  const register = (fd: number, handler: SocketHandler) => {
    handlers.set(fd, handler);
    libc.epollAdd(epoll, fd, Events.IN | Events.OUT);
    polling ??= poll();
  };

  const open = (options: ConnectionOptions): BenchConnection => {
    const { wire, clock, onDelivery, onError } = options;
    const url = new URL(wire.url(assertLoopback(options.origin)));
    const marker: Marker = { phase: 0, intendedAt: 0 };
    const fragments: Uint8Array[] = [];
    const outbox: Uint8Array[] = [];
    let phase: "connecting" | "handshaking" | "open" | "closed" = "connecting";
    let fd = -1;
    let buffer = new Uint8Array(INITIAL_BUFFER_BYTES);
    let filled = 0;
    let receivedAt = 0;
    let wantsWrite = true;
    let closeSent = false;
    let closedByUs = false;
    let closeReason = "closed by the server without a close frame";
    let expectedAccept = "";
    const key = crypto.getRandomValues(new Uint8Array(16)).toBase64();

    const finish = (reason: string) => {
      if (phase === "closed") return;
      phase = "closed";
      if (fd >= 0) {
        handlers.delete(fd);
        libc.close(fd);
      }
      session.closed(reason, closedByUs);
    };

    const watchWrites = (wanted: boolean) => {
      if (wanted === wantsWrite || phase === "closed") return;
      wantsWrite = wanted;
      libc.epollModify(epoll, fd, Events.IN | (wanted ? Events.OUT : 0));
    };

    /** Sends what the outbox holds; false if the socket broke. */
    const flush = (): boolean => {
      while (outbox.length > 0) {
        const chunk = outbox[0];
        const sent = libc.send(fd, chunk);
        if (sent < 0) {
          const code = libc.errno();
          if (code === Errno.EAGAIN) break;
          if (code === Errno.EINTR) continue;
          finish(closedByUs ? closeReason : `send failed: errno ${code}`);
          return false;
        }
        if (sent < chunk.byteLength) outbox[0] = chunk.subarray(sent);
        else outbox.shift();
      }
      if (outbox.length === 0 && closeSent) {
        // Our close frame is out; the server's answer is not waited for.
        finish(closeReason);
        return false;
      }
      watchWrites(outbox.length > 0);
      return true;
    };

    const write = (opcode: number, payload: Uint8Array) => {
      if (phase === "closed" || closeSent) return;
      outbox.push(encodeClientFrame(opcode, payload));
      if (phase === "open" && outbox.length === 1) flush();
    };

    const sendClose = (code: number) => {
      if (closeSent || phase !== "open") return;
      write(Opcode.CLOSE, new Uint8Array([code >>> 8, code & 0xff]));
      closeSent = true;
      flush();
    };

    const session: Session = createSession({
      wire,
      transmit: (text) => write(Opcode.TEXT, encoder.encode(text)),
      onError,
    });

    const text = (bytes: Uint8Array, start: number, end: number) => {
      if (readMarker(bytes, start, end, marker)) {
        onDelivery(marker.phase, marker.intendedAt, receivedAt);
      } else session.control(decoder.decode(bytes.subarray(start, end)));
    };

    const sink = {
      frame(opcode: number, fin: boolean, start: number, end: number) {
        if (opcode === Opcode.TEXT && fin && fragments.length === 0) {
          return text(buffer, start, end);
        }
        switch (opcode) {
          case Opcode.TEXT:
          case Opcode.CONTINUATION: {
            // Servers fragment only big messages, which are never deliveries: join, then read.
            fragments.push(buffer.slice(start, end));
            if (!fin) return;
            const parts = fragments.splice(0);
            const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
            parts.reduce((offset, part) => (whole.set(part, offset), offset + part.byteLength), 0);
            return text(whole, 0, whole.byteLength);
          }
          case Opcode.PING:
            return write(Opcode.PONG, buffer.slice(start, end));
          case Opcode.CLOSE: {
            const code = end - start >= 2 ? (buffer[start] << 8) | buffer[start + 1] : NO_STATUS;
            const reason = decoder.decode(buffer.subarray(Math.min(start + 2, end), end));
            closeReason = `closed ${code}${reason ? ` ${reason}` : ""}`;
            if (!closeSent) sendClose(code === NO_STATUS ? NORMAL_CLOSURE : code);
            return;
          }
        }
      },
    };

    /** Walks the complete frames in the buffer and keeps the partial one at its start. */
    const consumeFrames = () => {
      const consumed = readFrames(buffer, 0, filled, sink);
      if (phase === "closed") return;
      if (consumed > 0) {
        buffer.copyWithin(0, consumed, filled);
        filled -= consumed;
      }
      const needed = frameBytesNeeded(buffer, 0, filled);
      if (needed > buffer.byteLength) {
        if (needed > MAX_FRAME_BYTES + 14) throw new FrameError(`a frame of ${needed} bytes`);
        const bigger = new Uint8Array(Math.max(needed, buffer.byteLength * 2));
        bigger.set(buffer.subarray(0, filled));
        buffer = bigger;
      }
    };

    const consumeHandshake = () => {
      const end = indexOfHeaderEnd(buffer, filled);
      if (end < 0) {
        if (filled >= MAX_HANDSHAKE_BYTES) throw new Error("upgrade response too long");
        return;
      }
      checkUpgradeResponse(decoder.decode(buffer.subarray(0, end)), expectedAccept);
      buffer.copyWithin(0, end + HEADER_END.length, filled);
      filled -= end + HEADER_END.length;
      phase = "open";
      session.opened();
      flush();
      if (phase === "open") consumeFrames();
    };

    /** Reads until the kernel has no more; one `recv` when it returns less than asked. */
    const readAvailable = () => {
      for (;;) {
        const space = buffer.subarray(filled);
        const read = libc.recv(fd, space);
        if (read === 0) return finish(closedByUs ? "closed by the load generator" : closeReason);
        if (read < 0) {
          const code = libc.errno();
          if (code === Errno.EAGAIN) return;
          if (code === Errno.EINTR) continue;
          return finish(`recv failed: errno ${code}`);
        }
        receivedAt = clock.now();
        filled += read;
        if (phase === "handshaking") consumeHandshake();
        else consumeFrames();
        if (phase === "closed" || read < space.byteLength) return;
      }
    };

    const handler: SocketHandler = {
      ready(bits) {
        try {
          if (phase === "connecting") {
            const error = libc.socketError(fd);
            if (error !== 0) return finish(`connect failed: errno ${error}`);
            phase = "handshaking";
            outbox.push(upgradeRequest(url, key, wire.protocols(options.token)));
          }
          if (bits & Events.OUT && !flush()) return;
          if (bits & (Events.IN | Events.HUP | Events.ERR)) readAvailable();
        } catch (error) {
          finish(error instanceof Error ? error.message : String(error));
        }
      },
      abort() {
        closedByUs = true;
        finish("closed by the load generator");
      },
    };

    acceptKeyOf(key).then((accept) => {
      expectedAccept = accept;
      if (closed || closedByUs) return finish("closed by the load generator");
      try {
        fd = libc.connectLoopback(Number(url.port));
        register(fd, handler);
      } catch (error) {
        finish(error instanceof Error ? error.message : String(error));
      }
    });

    return connectionOf(session, {
      send: (frame) => write(Opcode.TEXT, encoder.encode(frame)),
      close() {
        if (closedByUs || phase === "closed") return;
        closedByUs = true;
        closeReason = "closed by the load generator";
        if (phase === "open") sendClose(NORMAL_CLOSURE);
        else if (fd >= 0) finish(closeReason);
      },
    });
  };

  return {
    open,
    async close() {
      closed = true;
      for (const handler of [...handlers.values()]) handler.abort();
      await polling;
      libc.close(epoll);
      libc.unload();
    },
  };
}

/**
 * The framework's own server-side WebSocket (RFC 6455), on the TCP socket the
 * guarded server hands over, for when Deno's cannot bound what it buffers.
 *
 * Deno 2.9's `Deno.upgradeWebSocket` has no maximum message size: its Rust
 * side reads a whole message, up to 64 MiB, before JavaScript sees it, and
 * waits as long as the peer likes for a message to end. This one reads frame
 * headers as bytes arrive (`ws_message_reader.ts`): a message announced (or
 * growing by fragments) past `maxMessageBytes` is closed with 1009 before its
 * payload is buffered, and a message not complete `messageTimeoutMs` after it
 * started is closed with 1008, so a socket holds at most one bounded message
 * for a bounded time. Protocol breaches close with 1002, bad UTF-8 with 1007.
 *
 * It offers the surface the framework's routes use of Deno's WebSocket:
 * `open`, `message`, `close` and `error` events (as listeners or `on…`
 * properties), `send`, `close`, `readyState`, `bufferedAmount`, `protocol`.
 * Text arrives as a string, binary as an `ArrayBuffer`. No extension is
 * negotiated (no compression). Pings are answered with pongs; it sends none
 * of its own (the application's heartbeat finds silent peers).
 *
 * Closing: the server's close frame is followed by its FIN; the peer then has
 * `closeTimeoutMs` to answer with its own close frame (or end its side) before
 * the connection is destroyed. Meanwhile what the peer sends is read and
 * dropped, never buffered. The `close` event carries the peer's close code,
 * or, when the peer never sent one, the server's (1006 when the connection
 * just ended).
 *
 * Fan-out: a text sent to many sockets in a row (one serialized frame to every
 * member of a room) is encoded into a frame once; each socket writes the same
 * bytes.
 *
 * @example
 * ```ts
 * server.on("upgrade", (incoming, socket, head) => {
 *   const ws = acceptOwnWebSocket(socket, { key, offered, head }, {
 *     protocol: "chat.v1",
 *     maxMessageBytes: 65_536,
 *     messageTimeoutMs: 10_000,
 *   });
 *   ws.onmessage = (event) => ws.send(String(event.data));
 * });
 * ```
 */
import type { Socket } from "node:net";
import { type Clock, createSystemClock } from "../time/clock.ts";
import { CLOSE_HANDSHAKE_TIMEOUT_MS } from "./close_handshake.ts";
import type { HandedOverSocket } from "./socket_handover.ts";
import { encodeCloseFrame, encodeFrame, Opcode, WsCloseCode } from "./ws_frame.ts";
import { switchingProtocolsHead, type UpgradeHandshake } from "./ws_handshake.ts";
import { MessageReader, type MessageSink } from "./ws_message_reader.ts";

/** The bounds of the framework's own WebSockets. */
export interface OwnWebSocketLimits {
  /** The largest message, in bytes: more is closed with 1009 before it is buffered. */
  maxMessageBytes: number;
  /** How long a started message may take to arrive in full; then it is closed with 1008. */
  messageTimeoutMs: number;
  /** How long the peer has to answer the server's close. Default 2 000. */
  closeTimeoutMs?: number;
  /** The time source of both timeouts. */
  clock?: Clock;
}

/** How to accept one upgrade. */
export interface OwnWebSocketOptions extends OwnWebSocketLimits {
  /** The subprotocol to select (one the client offered), if any. */
  protocol?: string;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const encoder = new TextEncoder();
const systemClock = createSystemClock();

/**
 * The last text encoded into a frame, and that frame. A room's fan-out sends
 * the same string object to every member in a row; comparing it to the last
 * one is a pointer comparison first, so the frame is encoded once per message.
 */
let lastText: string | undefined;
let lastTextFrame: Uint8Array = new Uint8Array(0);

function textFrame(text: string): Uint8Array {
  if (text !== lastText) {
    lastTextFrame = encodeFrame(Opcode.TEXT, encoder.encode(text));
    lastText = text;
  }
  return lastTextFrame;
}

/**
 * Writes the 101 accepting `handshake` on `socket` and makes it a WebSocket,
 * which opens (and starts reading, the bytes behind the head first) once the
 * caller's synchronous code has added its listeners. Throws, writing nothing,
 * when the request cannot be upgraded.
 */
export function acceptOwnWebSocket(
  socket: Socket,
  handshake: UpgradeHandshake,
  options: OwnWebSocketOptions,
): OwnWebSocket {
  const head = switchingProtocolsHead(handshake, options.protocol);
  // Held until the socket opened, so that the 101 and what `open` sends leave in one write.
  socket.cork();
  socket.write(head);
  const webSocket = new OwnWebSocket(socket, options);
  queueMicrotask(() => webSocket.start(handshake.head));
  return webSocket;
}

/** A server-side WebSocket over a `node:net` socket; see the module's description. */
export class OwnWebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;

  readonly protocol: string;
  readonly extensions = "";
  /** Binary messages always arrive as `ArrayBuffer`s; settable for code written for Deno's. */
  binaryType: BinaryType = "arraybuffer";
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  #socket: Socket;
  #reader: MessageReader;
  #clock: Clock;
  #messageTimeoutMs: number;
  #closeTimeoutMs: number;
  #state = CONNECTING;
  /** The close the server sent, if it did. */
  #sentClose: { code: number; reason: string } | undefined;
  /** The close the peer sent, if it did. */
  #receivedClose: { code: number; reason: string } | undefined;
  #closeTimer: number | undefined;
  /** The message timer, and which message it watches (by the reader's count of completed ones). */
  #messageTimer: number | undefined;
  #watchedMessage = -1;
  #messageStartedAt = 0;

  constructor(socket: Socket, options: OwnWebSocketOptions) {
    super();
    this.#socket = socket;
    this.protocol = options.protocol ?? "";
    this.#clock = options.clock ?? systemClock;
    this.#messageTimeoutMs = options.messageTimeoutMs;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? CLOSE_HANDSHAKE_TIMEOUT_MS;
    this.#reader = new MessageReader(options.maxMessageBytes, this.#sink());
  }

  get readyState(): number {
    return this.#state;
  }

  /** Bytes written but not yet taken by the kernel. */
  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  /** Opens the socket and starts reading, `head` first. Called once, by `acceptOwnWebSocket`. */
  start(head: Uint8Array): void {
    const socket = this.#socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => this.#read(chunk));
    socket.on("end", () => this.#peerEnded());
    socket.on("error", (error: Error) => this.#failed(error));
    socket.on("close", () => this.#closed());
    if (socket.destroyed) return this.#closed();
    this.#state = OPEN;
    try {
      this.#emit(new Event("open"));
    } finally {
      socket.uncork();
    }
    if (head.length > 0) this.#read(head);
    // The guarded server stopped the handle's reads at the upgrade, below node:net's notice.
    (socket as unknown as HandedOverSocket)._handle?.readStart();
  }

  /** Sends a text (as a text frame) or bytes (as a binary frame); ignored once closing. */
  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.#state === CONNECTING) throw new DOMException("not open yet", "InvalidStateError");
    if (this.#state !== OPEN) return;
    if (typeof data === "string") {
      this.#socket.write(textFrame(data));
      return;
    }
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
    this.#socket.write(encodeFrame(Opcode.BINARY, bytes));
  }

  /** Starts the closing handshake with `code` and `reason`; without a code, the close frame has none. */
  close(code: number = WsCloseCode.NO_STATUS, reason = ""): void {
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    this.#sendClose(code, reason);
  }

  /** Where the reader hands what the peer sent. */
  #sink(): MessageSink {
    return {
      text: (data) => this.#message(data),
      binary: (data) => this.#message(data),
      ping: (payload) => {
        if (this.#state === OPEN) this.#socket.write(encodeFrame(Opcode.PONG, payload));
      },
      pong: () => {},
      close: (code, reason) => this.#peerClosed(code, reason),
      fail: (code, reason) => {
        if (this.#state === OPEN) this.#sendClose(code, reason);
        // Nothing more can be read of this stream: stop reading it (no close frame can be found in
        // it), and let the close timeout end the connection.
        this.#socket.pause();
      },
    };
  }

  #message(data: string | ArrayBuffer): void {
    if (this.#state === OPEN) this.#emit(new MessageEvent("message", { data }));
  }

  #read(chunk: Uint8Array): void {
    try {
      this.#reader.push(chunk);
      this.#watchMessage();
    } catch (error) {
      // Thrown from a `data` listener it would end the process: it ends this socket only.
      this.#emit(new ErrorEvent("error", { error, message: String(error) }));
      if (this.#state === OPEN) this.#sendClose(WsCloseCode.INTERNAL_ERROR, "internal error");
      else this.#socket.destroy();
    }
  }

  /**
   * Keeps a timer on the message under way, if any. Called after every read:
   * a read that ends inside a message the reader had not completed before
   * notes when that message started.
   */
  #watchMessage(): void {
    const reader = this.#reader;
    if (!reader.inMessage || this.#state !== OPEN) return;
    if (reader.completed !== this.#watchedMessage) {
      this.#watchedMessage = reader.completed;
      this.#messageStartedAt = this.#clock.now();
    }
    if (this.#messageTimer === undefined) this.#armMessageTimer();
  }

  #armMessageTimer(): void {
    const due = this.#messageStartedAt + this.#messageTimeoutMs - this.#clock.now();
    this.#messageTimer = this.#clock.setTimeout(() => this.#messageDue(), Math.max(0, due));
  }

  /** The timer of a message that started earlier went off: is the message under way now over time? */
  #messageDue(): void {
    this.#messageTimer = undefined;
    if (!this.#reader.inMessage || this.#state !== OPEN) return;
    if (this.#clock.now() - this.#messageStartedAt >= this.#messageTimeoutMs) {
      return this.#sendClose(WsCloseCode.POLICY, "message took too long");
    }
    this.#armMessageTimer();
  }

  #sendClose(code: number, reason: string): void {
    this.#state = CLOSING;
    this.#sentClose = { code, reason };
    this.#stopWatching();
    // Our close frame, then our FIN: nothing follows a close frame.
    if (!this.#socket.destroyed) this.#socket.end(encodeCloseFrame(code, reason));
    this.#closeTimer = this.#clock.setTimeout(() => this.#socket.destroy(), this.#closeTimeoutMs);
  }

  #peerClosed(code: number, reason: string): void {
    this.#receivedClose = { code, reason };
    if (this.#state === OPEN) {
      // Echo the peer's code (RFC 6455, 5.5.1); a close without one is answered without one.
      this.#state = CLOSING;
      this.#stopWatching();
      const frame = encodeCloseFrame(code, reason);
      // Both closes are exchanged once ours is written: the server drops the connection first
      // (RFC 6455, 7.1.1), or at the close timeout if the peer does not take our close.
      this.#socket.end(frame, () => this.#socket.destroy());
      this.#closeTimer = this.#clock.setTimeout(
        () => this.#socket.destroy(),
        this.#closeTimeoutMs,
      );
      return;
    }
    // The answer to our close: the handshake is complete, the server drops the connection.
    this.#socket.destroy();
  }

  /** The peer will send nothing more: with or without a close frame, the connection is done. */
  #peerEnded(): void {
    this.#socket.destroy();
  }

  #failed(error: Error): void {
    const event = new ErrorEvent("error", { error, message: error.message });
    this.#emit(event);
    this.#socket.destroy();
  }

  #closed(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#stopWatching();
    if (this.#closeTimer !== undefined) this.#clock.clearTimeout(this.#closeTimer);
    const { code, reason } = this.#receivedClose ?? this.#sentClose ??
      { code: WsCloseCode.ABNORMAL, reason: "" };
    const wasClean = this.#receivedClose !== undefined && this.#sentClose !== undefined;
    this.#emit(new CloseEvent("close", { code, reason, wasClean }));
  }

  #stopWatching(): void {
    if (this.#messageTimer !== undefined) this.#clock.clearTimeout(this.#messageTimer);
    this.#messageTimer = undefined;
  }

  #emit(event: Event): void {
    this.dispatchEvent(event);
    switch (event.type) {
      case "open":
        return this.onopen?.(event);
      case "message":
        return this.onmessage?.(event as MessageEvent);
      case "close":
        return this.onclose?.(event as CloseEvent);
      case "error":
        return this.onerror?.(event);
    }
  }
}

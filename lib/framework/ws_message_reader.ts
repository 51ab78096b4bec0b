/**
 * Reads a client's WebSocket messages from the bytes of its connection, as
 * they arrive, in pieces of any size.
 *
 * The point is the order of the checks: a frame's header is read before any
 * of its payload, and a data frame whose announced length (plus what its
 * message already holds) is over `maxMessageBytes` fails the connection with
 * 1009 at once, so nothing past the bound is ever buffered. A payload is
 * buffered in one array of exactly its announced length, unmasked when
 * complete. Fragments are reassembled; control frames may come between them.
 * Text must be valid UTF-8 (1007); any other breach of RFC 6455 is 1002.
 * After a close frame or a failure the reader ignores everything.
 *
 * It does no I/O and keeps no time: the socket (`own_web_socket.ts`) feeds it
 * and bounds how long a started message may take, with
 * {@linkcode MessageReader.inMessage} and {@linkcode MessageReader.completed}.
 *
 * @example
 * ```ts
 * const reader = new MessageReader(65_536, {
 *   text: (text) => console.log(text),
 *   binary: () => {},
 *   ping: () => {},
 *   pong: () => {},
 *   close: (code) => console.log("peer closed", code),
 *   fail: (code, reason) => console.log("failed", code, reason),
 * });
 * reader.push(bytesFromTheSocket);
 * ```
 */
import {
  type FrameHeader,
  MAX_HEADER_BYTES,
  Opcode,
  parseFrameHeader,
  unmask,
  WsCloseCode,
} from "./ws_frame.ts";

/** Where a {@linkcode MessageReader} hands what it read. */
export interface MessageSink {
  text(data: string): void;
  binary(data: ArrayBuffer): void;
  ping(payload: Uint8Array): void;
  pong(payload: Uint8Array): void;
  /** The peer's close frame: its code (1005 when it had none) and reason. */
  close(code: number, reason: string): void;
  /** The peer broke the protocol or a bound; close the connection with `code`. */
  fail(code: number, reason: string): void;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** No payload: shared, so that an idle reader holds no buffer of its own. */
const EMPTY = new Uint8Array(0);

/** Reads one connection's frames; see the module's description. */
export class MessageReader {
  #maxMessageBytes: number;
  #sink: MessageSink;
  /** A header split across reads, gathered here until whole (made when first needed). */
  #headerBytes = EMPTY;
  #headerFill = 0;
  /** The frame whose payload is arriving, and the payload so far. */
  #frame: FrameHeader | undefined;
  #payload = EMPTY;
  #payloadFill = 0;
  /** The fragmented message under way: its opcode (0 for none), fragments and size. */
  #messageOpcode = 0;
  #fragments: Uint8Array[] = [];
  #messageBytes = 0;
  #done = false;
  #completed = 0;

  constructor(maxMessageBytes: number, sink: MessageSink) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#sink = sink;
  }

  /** Whether a message (or any frame) has started and not ended. */
  get inMessage(): boolean {
    return !this.#done &&
      (this.#headerFill > 0 || this.#frame !== undefined || this.#messageOpcode !== 0);
  }

  /** How many messages (and control frames outside a message) were read in full so far. */
  get completed(): number {
    return this.#completed;
  }

  /** Reads the next bytes of the connection. */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length && !this.#done) {
      offset = this.#frame ? this.#readPayload(chunk, offset) : this.#readHeader(chunk, offset);
    }
  }

  #readHeader(chunk: Uint8Array, offset: number): number {
    if (this.#headerFill === 0) {
      const result = parseFrameHeader(chunk, offset);
      if (result.kind === "header") {
        this.#startFrame(result);
        return offset + result.headerLength;
      }
      if (result.kind === "error") return this.#fail(result.code, result.reason, chunk.length);
    }
    // Gather the header's bytes (at most 14, so copying is free) and try again.
    if (this.#headerBytes === EMPTY) this.#headerBytes = new Uint8Array(MAX_HEADER_BYTES);
    const taken = Math.min(MAX_HEADER_BYTES - this.#headerFill, chunk.length - offset);
    this.#headerBytes.set(chunk.subarray(offset, offset + taken), this.#headerFill);
    const before = this.#headerFill;
    this.#headerFill += taken;
    const result = parseFrameHeader(this.#headerBytes.subarray(0, this.#headerFill));
    if (result.kind === "incomplete") return offset + taken;
    if (result.kind === "error") return this.#fail(result.code, result.reason, chunk.length);
    this.#headerFill = 0;
    this.#startFrame(result);
    return offset + result.headerLength - before;
  }

  #startFrame(header: FrameHeader): void {
    const { opcode, payloadLength } = header;
    if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.#messageOpcode !== 0) {
        return this.#failNow(WsCloseCode.PROTOCOL_ERROR, "a new message in a fragmented one");
      }
      this.#messageOpcode = opcode;
    } else if (opcode === Opcode.CONTINUATION && this.#messageOpcode === 0) {
      return this.#failNow(
        WsCloseCode.PROTOCOL_ERROR,
        "a continuation with no message to continue",
      );
    }
    if (opcode <= Opcode.BINARY && this.#messageBytes + payloadLength > this.#maxMessageBytes) {
      return this.#failNow(WsCloseCode.TOO_BIG, "message too big");
    }
    this.#frame = header;
    this.#payload = payloadLength === 0 ? EMPTY : new Uint8Array(payloadLength);
    this.#payloadFill = 0;
    if (payloadLength === 0) this.#endFrame();
  }

  #readPayload(chunk: Uint8Array, offset: number): number {
    const taken = Math.min(this.#payload.length - this.#payloadFill, chunk.length - offset);
    this.#payload.set(chunk.subarray(offset, offset + taken), this.#payloadFill);
    this.#payloadFill += taken;
    if (this.#payloadFill === this.#payload.length) this.#endFrame();
    return offset + taken;
  }

  #endFrame(): void {
    const frame = this.#frame!;
    const payload = this.#payload;
    this.#frame = undefined;
    this.#payload = EMPTY;
    unmask(payload, frame.maskWord);
    switch (frame.opcode) {
      case Opcode.PING:
        this.#completeControl();
        return this.#sink.ping(payload);
      case Opcode.PONG:
        this.#completeControl();
        return this.#sink.pong(payload);
      case Opcode.CLOSE:
        return this.#readClose(payload);
    }
    this.#fragments.push(payload);
    this.#messageBytes += payload.length;
    if (frame.fin) this.#endMessage();
  }

  #endMessage(): void {
    const opcode = this.#messageOpcode;
    const fragments = this.#fragments;
    const data = fragments.length === 1 ? fragments[0] : concat(fragments, this.#messageBytes);
    this.#messageOpcode = 0;
    this.#fragments = [];
    this.#messageBytes = 0;
    this.#completed++;
    if (opcode === Opcode.BINARY) return this.#sink.binary(data.buffer as ArrayBuffer);
    let text: string;
    try {
      text = utf8.decode(data);
    } catch {
      return this.#failNow(WsCloseCode.INVALID_DATA, "text is not valid UTF-8");
    }
    this.#sink.text(text);
  }

  #readClose(payload: Uint8Array): void {
    this.#done = true;
    if (payload.length === 0) return this.#sink.close(WsCloseCode.NO_STATUS, "");
    const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 0;
    if (!isValidPeerCloseCode(code)) {
      return this.#failNow(WsCloseCode.PROTOCOL_ERROR, "invalid close code");
    }
    let reason: string;
    try {
      reason = utf8.decode(payload.subarray(2));
    } catch {
      return this.#failNow(WsCloseCode.INVALID_DATA, "close reason is not valid UTF-8");
    }
    this.#sink.close(code, reason);
  }

  #completeControl(): void {
    if (this.#messageOpcode === 0) this.#completed++;
  }

  #fail(code: number, reason: string, end: number): number {
    this.#failNow(code, reason);
    return end;
  }

  #failNow(code: number, reason: string): void {
    this.#done = true;
    this.#frame = undefined;
    this.#payload = EMPTY;
    this.#fragments = [];
    this.#sink.fail(code, reason);
  }
}

/** Close codes a peer may send (RFC 6455, 7.4; 1012–1014 as IANA registered them). */
function isValidPeerCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const whole = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  return whole;
}

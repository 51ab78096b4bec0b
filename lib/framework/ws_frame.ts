/**
 * RFC 6455 frame headers, as a server reads and writes them: parsing a
 * client's header from its first bytes (before any of its payload), and
 * encoding the server's own, unmasked frames.
 *
 * The parser only reads the header and says what it announces; what to do
 * with the payload (and whether its length is acceptable) is the message
 * reader's (`ws_message_reader.ts`). It refuses what no payload can fix:
 * reserved bits (no extension is negotiated), unknown opcodes, unmasked client
 * frames, control frames that are fragmented or longer than 125 bytes, and
 * 64-bit lengths with the top bit set (RFC 6455, 5.2).
 *
 * @example
 * ```ts
 * const header = parseFrameHeader(bytes);
 * if (header.kind === "header") console.log(header.opcode, header.payloadLength);
 * const frame = encodeFrame(Opcode.TEXT, new TextEncoder().encode("hi"));
 * ```
 */

/** Frame opcodes (RFC 6455, 5.2). */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** One of {@linkcode Opcode}'s values. */
export type OpcodeValue = typeof Opcode[keyof typeof Opcode];

/** Close codes the engine itself sends (RFC 6455, 7.4.1). */
export const WsCloseCode = {
  NORMAL: 1000,
  PROTOCOL_ERROR: 1002,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_DATA: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
} as const;

import { fitCloseReason } from "./close_handshake.ts";

/** The longest header a frame can have: 2 bytes, an 8-byte length, a 4-byte mask. */
export const MAX_HEADER_BYTES = 14;

/** The longest payload of a control frame. */
export const MAX_CONTROL_PAYLOAD = 125;

/** A frame header read in full. */
export interface FrameHeader {
  kind: "header";
  fin: boolean;
  opcode: OpcodeValue;
  /** The payload length the header announces. */
  payloadLength: number;
  /** The masking key, as the 32-bit word that unmasks 4 payload bytes at a time (little-endian). */
  maskWord: number;
  /** How many bytes the header took. */
  headerLength: number;
}

/** A header that breaks the protocol: the connection is closed with `code`. */
export interface FrameHeaderError {
  kind: "error";
  code: number;
  reason: string;
}

/** What {@linkcode parseFrameHeader} found. */
export type FrameHeaderResult = FrameHeader | FrameHeaderError | { kind: "incomplete" };

const KNOWN_OPCODES: ReadonlySet<number> = new Set(Object.values(Opcode));

const INCOMPLETE = { kind: "incomplete" } as const;

/** The header's length once its first two bytes are known (0 if they are not yet). */
export function headerLengthOf(bytes: Uint8Array, offset = 0): number {
  if (bytes.length - offset < 2) return 0;
  const length7 = bytes[offset + 1] & 0x7f;
  const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  return 2 + extended + ((bytes[offset + 1] & 0x80) ? 4 : 0);
}

/** Parses the client frame header at `offset`, or says it has not fully arrived. */
export function parseFrameHeader(bytes: Uint8Array, offset = 0): FrameHeaderResult {
  const headerLength = headerLengthOf(bytes, offset);
  if (headerLength === 0 || bytes.length - offset < headerLength) return INCOMPLETE;
  const first = bytes[offset];
  const second = bytes[offset + 1];
  const fin = (first & 0x80) !== 0;
  const opcode = first & 0x0f;
  if ((first & 0x70) !== 0) return protocolError("reserved bits set");
  if (!KNOWN_OPCODES.has(opcode)) return protocolError(`unknown opcode ${opcode}`);
  if ((second & 0x80) === 0) return protocolError("client frames must be masked");
  const isControl = (opcode & 0x8) !== 0;
  const length7 = second & 0x7f;
  let payloadLength = length7;
  let at = offset + 2;
  if (length7 === 126) {
    payloadLength = (bytes[at] << 8) | bytes[at + 1];
    at += 2;
  } else if (length7 === 127) {
    const high = readUint32(bytes, at);
    if (high >= 0x8000_0000) return protocolError("64-bit length with its top bit set");
    // Above 2^53 a number cannot hold the length exactly; any such length is over every bound.
    payloadLength = high >= 0x20_0000 ? Number.MAX_SAFE_INTEGER : high * 2 ** 32 +
      readUint32(bytes, at + 4);
    at += 8;
  }
  if (isControl && (!fin || payloadLength > MAX_CONTROL_PAYLOAD)) {
    return protocolError("control frames must be whole and at most 125 bytes");
  }
  const maskWord = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) |
    (bytes[at + 3] << 24);
  return {
    kind: "header",
    fin,
    opcode: opcode as OpcodeValue,
    payloadLength,
    maskWord,
    headerLength,
  };
}

/**
 * Unmasks `payload` in place; `start` is how many payload bytes came before
 * it in the frame (a payload may arrive in pieces).
 */
export function unmask(payload: Uint8Array, maskWord: number, start = 0): void {
  const maskBytes = [
    maskWord & 0xff,
    (maskWord >>> 8) & 0xff,
    (maskWord >>> 16) & 0xff,
    maskWord >>> 24,
  ];
  let index = 0;
  // A word at a time where the bytes are aligned (a fresh payload buffer is), byte-wise elsewhere.
  if (start % 4 === 0 && payload.byteOffset % 4 === 0) {
    const words = new Uint32Array(payload.buffer, payload.byteOffset, payload.length >>> 2);
    for (let word = 0; word < words.length; word++) words[word] ^= maskWord;
    index = words.length * 4;
  }
  for (; index < payload.length; index++) payload[index] ^= maskBytes[(start + index) & 3];
}

/** A whole, unmasked server frame: the header for `payload`'s length, then `payload`. */
export function encodeFrame(opcode: OpcodeValue, payload: Uint8Array): Uint8Array {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 0x1_0000 ? 4 : 10;
  const frame = new Uint8Array(headerLength + length);
  frame[0] = 0x80 | opcode;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 127;
    const high = Math.floor(length / 2 ** 32);
    writeUint32(frame, 2, high);
    writeUint32(frame, 6, length >>> 0);
  }
  frame.set(payload, headerLength);
  return frame;
}

/**
 * A server's close frame carrying `code` and `reason` (cut to the 123 bytes a
 * close frame allows). 1005 ("no status") is never sent: it makes a close
 * frame without a code.
 */
export function encodeCloseFrame(code: number, reason: string): Uint8Array {
  if (code === WsCloseCode.NO_STATUS) return encodeFrame(Opcode.CLOSE, new Uint8Array(0));
  const reasonBytes = new TextEncoder().encode(fitCloseReason(reason));
  const payload = new Uint8Array(2 + reasonBytes.length);
  payload.set([code >> 8, code & 0xff]);
  payload.set(reasonBytes, 2);
  return encodeFrame(Opcode.CLOSE, payload);
}

function protocolError(reason: string): FrameHeaderError {
  return { kind: "error", code: WsCloseCode.PROTOCOL_ERROR, reason };
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

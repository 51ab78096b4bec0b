/**
 * The least of RFC 6455 a load-generator client needs: masked client frames
 * out, and server frames in, read in place from a receive buffer so that many
 * frames of one read cost one pass and no copies. No extensions are offered,
 * so frames are never compressed.
 *
 * @example
 * ```ts
 * const frame = encodeClientFrame(Opcode.TEXT, new TextEncoder().encode("hi"));
 * const consumed = readFrames(buffer, 0, filled, {
 *   frame: (opcode, fin, payloadStart, payloadEnd) => console.log(opcode, payloadEnd - payloadStart),
 * });
 * buffer.copyWithin(0, consumed, filled); // keep the partial frame, if any
 * ```
 */

import { Opcode } from "../../lib/framework/ws_frame.ts";

export { Opcode };

/** The largest frame the client accepts; anything bigger is a protocol error. */
export const MAX_FRAME_BYTES = 1 << 20;

/** Receives each complete frame of a buffer, payload as a range of that buffer. */
export interface FrameSink {
  frame(opcode: number, fin: boolean, payloadStart: number, payloadEnd: number): void;
}

/** Thrown for bytes no server may send (a masked frame, an oversized one). */
export class FrameError extends Error {}

/** A masked client frame (FIN set) carrying `payload`. */
export function encodeClientFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const length = payload.byteLength;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const headerBytes = 2 + lengthBytes + 4;
  const frame = new Uint8Array(headerBytes + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  const mask = frame.subarray(2 + lengthBytes, headerBytes);
  crypto.getRandomValues(mask);
  for (let index = 0; index < length; index++) {
    frame[headerBytes + index] = payload[index] ^ mask[index & 3];
  }
  return frame;
}

/**
 * Hands every complete frame in `bytes[from, to)` to `sink` and returns where
 * the first incomplete one starts (`to` when none is left over). Throws a
 * {@linkcode FrameError} for a frame a server must not send.
 */
export function readFrames(bytes: Uint8Array, from: number, to: number, sink: FrameSink): number {
  let at = from;
  while (to - at >= 2) {
    const first = bytes[at];
    const second = bytes[at + 1];
    if (second & 0x80) throw new FrameError("the server sent a masked frame");
    let length = second & 0x7f;
    let headerBytes = 2;
    if (length === 126) {
      if (to - at < 4) break;
      length = (bytes[at + 2] << 8) | bytes[at + 3];
      headerBytes = 4;
    } else if (length === 127) {
      if (to - at < 10) break;
      const high =
        (bytes[at + 2] << 24 | bytes[at + 3] << 16 | bytes[at + 4] << 8 | bytes[at + 5]) >>> 0;
      const low =
        (bytes[at + 6] << 24 | bytes[at + 7] << 16 | bytes[at + 8] << 8 | bytes[at + 9]) >>> 0;
      if (high !== 0 || low > MAX_FRAME_BYTES) {
        throw new FrameError(`a frame over ${MAX_FRAME_BYTES} bytes`);
      }
      length = low;
      headerBytes = 10;
    }
    if (length > MAX_FRAME_BYTES) throw new FrameError(`a frame over ${MAX_FRAME_BYTES} bytes`);
    const payloadStart = at + headerBytes;
    const payloadEnd = payloadStart + length;
    if (payloadEnd > to) break;
    sink.frame(first & 0x0f, (first & 0x80) !== 0, payloadStart, payloadEnd);
    at = payloadEnd;
  }
  return at;
}

/** How many bytes the frame starting at `bytes[from]` needs in all, once its header is there. */
export function frameBytesNeeded(bytes: Uint8Array, from: number, to: number): number {
  if (to - from < 2) return 2;
  const length = bytes[from + 1] & 0x7f;
  if (length < 126) return 2 + length;
  if (length === 126) return to - from < 4 ? 4 : 4 + ((bytes[from + 2] << 8) | bytes[from + 3]);
  if (to - from < 10) return 10;
  return 10 +
    ((bytes[from + 6] << 24 | bytes[from + 7] << 16 | bytes[from + 8] << 8 | bytes[from + 9]) >>>
      0);
}

/**
 * The bench message body: a marker carrying the phase and the intended send time,
 * padded to the wanted size. A delivery is recognised and timed by a search for
 * the marker, so the receiving side never parses JSON on the hot path, whatever
 * the target's framing (Switchboard, the peer protocol or Socket.IO) wraps it in.
 * The raw client reads the marker straight from the received bytes, into a
 * {@linkcode Marker} it reuses, so a delivery allocates nothing.
 *
 * @example
 * ```ts
 * const body = encodeBody(3, 1_763_800_000_000.25, 150);
 * decodeMarker(`{"t":"msg","body":"${body}"}`); // { phase: 3, intendedAt: 1763800000000.25 }
 * const marker = { phase: 0, intendedAt: 0 };
 * const bytes = new TextEncoder().encode(body);
 * readMarker(bytes, 0, bytes.length, marker); // true; marker.phase === 3
 * ```
 */

const MARKER = "~sb~";
const SEPARATOR = "~";
const TILDE = 0x7e;
const LETTER_S = 0x73;
const LETTER_B = 0x62;
const DIGIT_0 = 0x30;
const DOT = 0x2e;
/** The intended time is written with this many decimals (microseconds). */
const TIME_DECIMALS = 3;

/** What a delivered body tells: which phase sent it and when it was meant to leave. */
export interface Marker {
  phase: number;
  intendedAt: number;
}

/**
 * A body of exactly `bytes` ASCII bytes (or just the marker when that is longer),
 * safe inside a JSON string without escaping.
 */
export function encodeBody(phase: number, intendedAt: number, bytes: number): string {
  const head = `${MARKER}${phase}${SEPARATOR}${intendedAt.toFixed(TIME_DECIMALS)}${SEPARATOR}`;
  return head.padEnd(bytes, "x");
}

/** Finds the marker in a received frame; `undefined` for any other frame. */
export function decodeMarker(frame: string): Marker | undefined {
  const start = frame.indexOf(MARKER);
  if (start < 0) return undefined;
  const phaseStart = start + MARKER.length;
  const phaseEnd = frame.indexOf(SEPARATOR, phaseStart);
  const timeEnd = frame.indexOf(SEPARATOR, phaseEnd + 1);
  if (phaseEnd < 0 || timeEnd < 0) return undefined;
  const phase = Number(frame.slice(phaseStart, phaseEnd));
  const intendedAt = Number(frame.slice(phaseEnd + 1, timeEnd));
  if (!Number.isFinite(phase) || !Number.isFinite(intendedAt)) return undefined;
  return { phase, intendedAt };
}

/**
 * Finds the marker in `bytes[from, to)` (a UTF-8 text frame's payload) and
 * writes what it tells into `into`; false, leaving `into` alone, when the
 * payload carries no well-formed marker.
 */
export function readMarker(bytes: Uint8Array, from: number, to: number, into: Marker): boolean {
  for (
    let at = bytes.indexOf(TILDE, from);
    at >= 0 && at + 4 <= to;
    at = bytes.indexOf(TILDE, at + 1)
  ) {
    if (bytes[at + 1] !== LETTER_S || bytes[at + 2] !== LETTER_B || bytes[at + 3] !== TILDE) {
      continue;
    }
    let position = at + 4;
    let phase = 0;
    let digits = 0;
    for (; position < to && bytes[position] !== TILDE; position++, digits++) {
      const digit = bytes[position] - DIGIT_0;
      if (digit < 0 || digit > 9) return false;
      phase = phase * 10 + digit;
    }
    if (digits === 0 || position >= to) return false;
    // The time is whole thousandths of a millisecond, so an integer count of them is exact.
    let thousandths = 0;
    let decimals = -1;
    for (position++; position < to && bytes[position] !== TILDE; position++) {
      if (bytes[position] === DOT && decimals < 0) {
        decimals = 0;
        continue;
      }
      const digit = bytes[position] - DIGIT_0;
      if (digit < 0 || digit > 9) return false;
      thousandths = thousandths * 10 + digit;
      if (decimals >= 0) decimals++;
    }
    if (position >= to || decimals !== TIME_DECIMALS) return false;
    into.phase = phase;
    into.intendedAt = thousandths / 1000;
    return true;
  }
  return false;
}

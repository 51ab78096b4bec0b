/**
 * The bench message body: a marker carrying the phase and the intended send time,
 * padded to the wanted size. A delivery is recognised and timed by a string
 * search, so the receiving side never parses JSON on the hot path, whatever the
 * target's framing (Switchboard, the peer protocol or Socket.IO) wraps it in.
 *
 * @example
 * ```ts
 * const body = encodeBody(3, 1_763_800_000_000.25, 150);
 * decodeMarker(`{"t":"msg","body":"${body}"}`); // { phase: 3, intendedAt: 1763800000000.25 }
 * ```
 */

const MARKER = "~sb~";
const SEPARATOR = "~";

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
  const head = `${MARKER}${phase}${SEPARATOR}${intendedAt.toFixed(3)}${SEPARATOR}`;
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

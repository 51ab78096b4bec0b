/**
 * How the status page writes numbers. One fixed locale, so that the server's
 * HTML and the hydrated island say exactly the same thing.
 *
 * @example
 * ```ts
 * formatCount(12_345); // "12.3K"
 * formatMillis(0.84); // "0.8 ms"
 * formatDuration(7_500); // "2 h 5 min"
 * ```
 */
import type { HealthState } from "../../lib/protocol/status.ts";

const LOCALE = "en-US";
const whole = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat(LOCALE, {
  notation: "compact",
  maximumFractionDigits: 1,
});

/** A dash for "nothing measured", distinct from zero. */
export const NO_VALUE = "—";

/**
 * A count: exact with separators below 10 000, compact above.
 *
 * @example
 * ```ts
 * formatCount(1_234); // "1,234"
 * ```
 */
export function formatCount(count: number): string {
  return count < 10_000 ? whole.format(count) : compact.format(count);
}

const twoDecimals = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });

/**
 * A rate per second: one decimal below 100, whole above, compact from 10 000;
 * below 0.1 two decimals, and "<0.01" for a rate too small for them, so a
 * quiet room's rate does not read as none.
 *
 * @example
 * ```ts
 * formatRate(0.25); // "0.3"
 * formatRate(0.04); // "0.04"
 * ```
 */
export function formatRate(perSecond: number): string {
  if (perSecond >= 10_000) return compact.format(perSecond);
  if (perSecond > 0 && perSecond < 0.005) return "<0.01";
  if (perSecond < 0.1) return twoDecimals.format(perSecond);
  return (perSecond < 100 ? oneDecimal : whole).format(perSecond);
}

/**
 * A latency, or {@linkcode NO_VALUE} when nothing was measured.
 *
 * @example
 * ```ts
 * formatMillis(12.4); // "12 ms"
 * formatMillis(1_830); // "1.8 s"
 * ```
 */
export function formatMillis(ms: number | null): string {
  if (ms === null) return NO_VALUE;
  if (ms >= 1_000) return `${oneDecimal.format(ms / 1_000)} s`;
  return `${(ms < 10 ? oneDecimal : whole).format(ms)} ms`;
}

/**
 * A duration in its two largest units.
 *
 * @example
 * ```ts
 * formatDuration(42); // "42 s"
 * formatDuration(93_600); // "1 d 2 h"
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/**
 * How long ago `then` was, as of `now` (both epoch ms).
 *
 * @example
 * ```ts
 * formatAgo(1_000, 5_000); // "4 s ago"
 * ```
 */
export function formatAgo(then: number, now: number): string {
  const seconds = Math.max(0, (now - then) / 1_000);
  return seconds < 1 ? "just now" : `${formatDuration(seconds)} ago`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/**
 * A size in binary units.
 *
 * @example
 * ```ts
 * formatBytes(52_428_800); // "50 MiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1_024 && unit < BYTE_UNITS.length - 1) {
    value /= 1_024;
    unit++;
  }
  const digits = value < 10 && unit > 0 ? oneDecimal : whole;
  return `${digits.format(value)} ${BYTE_UNITS[unit]}`;
}

/** The overall state in words: a headline and the one-word label shown beside the color. */
export const HEALTH_WORDS: Readonly<Record<HealthState, { headline: string; label: string }>> = {
  ok: { headline: "All systems operational", label: "OK" },
  degraded: { headline: "Degraded performance", label: "Degraded" },
  down: { headline: "Service down", label: "Down" },
};

/**
 * A refusal reason as a person reads it (`origin` → "Origin not allowed").
 * Reasons the page does not know are shown as they come.
 *
 * @example
 * ```ts
 * refusalLabel("version"); // "Unsupported protocol version"
 * ```
 */
export function refusalLabel(reason: string): string {
  return REFUSAL_LABELS[reason] ?? reason.replaceAll("_", " ");
}

const REFUSAL_LABELS: Readonly<Record<string, string>> = {
  not_websocket: "Not a WebSocket request",
  origin: "Origin not allowed",
  version: "Unsupported protocol version",
  auth: "Not authenticated",
  user_limit: "Too many connections for a user",
  address_limit: "Too many connections from an address",
  draining: "Server draining",
};

const percent = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });

/**
 * A share (0 to 1) as a percentage with at most one decimal; a share just
 * below 1 never rounds up to "100%", nor one just above 0 down to "0%", so
 * a day with one bad minute reads neither as perfect nor as spotless.
 *
 * @example
 * ```ts
 * formatPercent(0.9993); // "99.9%"
 * formatPercent(1); // "100%"
 * ```
 */
export function formatPercent(share: number): string {
  const shown = share >= 1 || share <= 0 ? share : Math.min(Math.max(share, 0.001), 0.999);
  return percent.format(shown);
}

const day = new Intl.DateTimeFormat("en-GB", {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});
const dateTime = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});

/**
 * A UTC day.
 *
 * @example
 * ```ts
 * formatDay(Date.UTC(2027, 2, 1)); // "Mon, 1 Mar 2027"
 * ```
 */
export function formatDay(ms: number): string {
  return day.format(ms);
}

/**
 * A moment in UTC, to the minute.
 *
 * @example
 * ```ts
 * formatDateTime(Date.UTC(2027, 2, 1, 14, 3)); // "1 Mar, 14:03 UTC"
 * ```
 */
export function formatDateTime(ms: number): string {
  return `${dateTime.format(ms)} UTC`;
}

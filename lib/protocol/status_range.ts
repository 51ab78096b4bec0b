/**
 * The status page's time ranges: what `/status?range=` and
 * `GET /api/status?range=` accept, how far back each reaches and how coarse
 * its points are. Plain data and functions (no zod), so the page's island can
 * use them too.
 *
 * | range | reaches back | one point per | from |
 * | --- | --- | --- | --- |
 * | `15m` | 15 minutes | sampling interval (5 s) | the live samples in memory |
 * | `1h` | 1 hour | 1 minute | the stored minutes |
 * | `24h` | 24 hours | 5 minutes | the stored minutes, merged |
 * | `7d` | 7 days | 1 hour | the stored hours |
 * | `90d` | 90 days | 6 hours | the stored hours, merged |
 *
 * No range has more than {@linkcode MAX_RANGE_POINTS} points.
 *
 * @example
 * ```ts
 * const range = parseStatusRange(url.searchParams.get("range")); // "24h", or null if unknown
 * STATUS_RANGE_SPECS["24h"].bucketMs; // 300_000
 * ```
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The ranges, shortest first. */
export const STATUS_RANGES = ["15m", "1h", "24h", "7d", "90d"] as const;
export type StatusRange = typeof STATUS_RANGES[number];

/** The range shown when none is asked for: the live quarter hour. */
export const DEFAULT_STATUS_RANGE: StatusRange = "15m";

/** The most points a range's history has. */
export const MAX_RANGE_POINTS = 360;

/** How many days the uptime bar shows, and how long incidents are kept. */
export const UPTIME_DAYS = 90;

/** The most incidents a status lists (the newest). */
export const INCIDENTS_SHOWN = 50;

/** The most notes an incident holds. */
export const INCIDENT_NOTES_MAX = 20;

/** The longest note, in characters. */
export const INCIDENT_NOTE_CHARS = 500;

/** One range. */
export interface StatusRangeSpec {
  /** How far back it reaches. */
  spanMs: number;
  /**
   * Where its points come from: the live samples of the isolate's memory
   * (one per sampling interval), or the stored minutes or hours, merged into
   * points of `bucketMs`.
   */
  source: "live" | "minute" | "hour";
  /** One point per this much time; for `live`, the sampling interval decides. */
  bucketMs: number;
  /** The range in words, as the picker says it ("24 h"). */
  label: string;
}

/** Every range's spec. */
export const STATUS_RANGE_SPECS: Readonly<Record<StatusRange, StatusRangeSpec>> = {
  "15m": { spanMs: 15 * MINUTE_MS, source: "live", bucketMs: 5_000, label: "15 min" },
  "1h": { spanMs: HOUR_MS, source: "minute", bucketMs: MINUTE_MS, label: "1 h" },
  "24h": { spanMs: DAY_MS, source: "minute", bucketMs: 5 * MINUTE_MS, label: "24 h" },
  "7d": { spanMs: 7 * DAY_MS, source: "hour", bucketMs: HOUR_MS, label: "7 d" },
  "90d": { spanMs: UPTIME_DAYS * DAY_MS, source: "hour", bucketMs: 6 * HOUR_MS, label: "90 d" },
};

/**
 * Whether `value` names a range.
 *
 * @example
 * ```ts
 * isStatusRange("7d"); // true
 * isStatusRange("7D"); // false
 * ```
 */
export function isStatusRange(value: unknown): value is StatusRange {
  return typeof value === "string" && (STATUS_RANGES as readonly string[]).includes(value);
}

/**
 * The range a query parameter asks for: the default when it is absent or
 * empty, null when it names no range.
 *
 * @example
 * ```ts
 * parseStatusRange(null); // "15m"
 * parseStatusRange("90d"); // "90d"
 * parseStatusRange("1y"); // null
 * ```
 */
export function parseStatusRange(value: string | null): StatusRange | null {
  if (value === null || value === "") return DEFAULT_STATUS_RANGE;
  return isStatusRange(value) ? value : null;
}

/** Why a range parameter was refused, in words. */
export const STATUS_RANGE_HELP = `range must be one of ${STATUS_RANGES.join(", ")}`;

/**
 * How long the client waits before each reconnect attempt.
 *
 * Attempt `n` (1-based: the first retry after a failure) waits `baseDelaysMs[n - 1]`;
 * past the end of the list the last delay doubles until `capMs`. Proportional
 * jitter spreads each delay by ±`jitter` so that a restarted server is not hit
 * by every client in the same millisecond; full jitter draws uniformly from
 * [0, base]. No delay ever exceeds `capMs`.
 *
 * @example
 * ```ts
 * const backoff = createBackoff({ random: createSeededRandom(1) });
 * backoff.delay(1); // 800..1200 ms
 * backoff.delay(5); // 9600..12000 ms (base 16 s, capped at 12 s)
 * ```
 */
import type { Random } from "../time/random.ts";

/** `proportional`: base ± jitter ratio. `full`: uniform in [0, base]. */
export type JitterMode = "proportional" | "full";

/** The parameters of a {@linkcode BackoffStrategy}. */
export interface BackoffOptions {
  /** Base delays of the first attempts, in ms; later attempts double the last one. */
  baseDelaysMs: readonly number[];
  /** No delay is longer than this. */
  capMs: number;
  /** Ratio of proportional jitter: 0.2 is ±20 %. */
  jitter: number;
  jitterMode: JitterMode;
  /** Consecutive failed attempts after which the client switches transport. */
  maxAttempts: number;
}

/** Delays of reconnect attempts. */
export interface BackoffStrategy extends Readonly<BackoffOptions> {
  /** The delay before attempt `attempt` (1-based) without jitter, capped. */
  baseDelay(attempt: number): number;
  /** The jittered delay before attempt `attempt` (1-based). */
  delay(attempt: number): number;
}

/** The name of one of {@linkcode BACKOFF_PRESETS}. */
export type BackoffPreset = "default" | "aggressive" | "immediate";

/**
 * `default`: 1, 2, 4, 8 s then 12 s, ±20 %, 8 attempts. `aggressive`: for
 * interactive reconnects on good networks. `immediate`: no waiting, for tests.
 */
export const BACKOFF_PRESETS: Readonly<Record<BackoffPreset, Readonly<BackoffOptions>>> = {
  default: {
    baseDelaysMs: [1_000, 2_000, 4_000, 8_000],
    capMs: 12_000,
    jitter: 0.2,
    jitterMode: "proportional",
    maxAttempts: 8,
  },
  aggressive: {
    baseDelaysMs: [250, 500, 1_000, 2_000],
    capMs: 4_000,
    jitter: 0.2,
    jitterMode: "proportional",
    maxAttempts: 5,
  },
  immediate: {
    baseDelaysMs: [0],
    capMs: 0,
    jitter: 0,
    jitterMode: "proportional",
    maxAttempts: 8,
  },
};

/** Options of {@linkcode createBackoff}: a preset, overrides, and the random source. */
export interface CreateBackoffOptions extends Partial<BackoffOptions> {
  preset?: BackoffPreset;
  /** Defaults to `Math.random`; tests pass a seeded one. */
  random?: Random;
}

function validate(options: BackoffOptions): void {
  const { baseDelaysMs, capMs, jitter, maxAttempts } = options;
  if (baseDelaysMs.length === 0 || baseDelaysMs.some((ms) => !(ms >= 0))) {
    throw new RangeError("backoff: baseDelaysMs must be a non-empty list of delays >= 0");
  }
  if (!(capMs >= 0)) throw new RangeError("backoff: capMs must be >= 0");
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError("backoff: jitter must be in [0, 1]");
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError("backoff: maxAttempts must be an integer >= 1");
  }
}

/**
 * Creates a {@linkcode BackoffStrategy}; throws a `RangeError` on bad options.
 *
 * @example
 * ```ts
 * const backoff = createBackoff({ preset: "default", jitterMode: "full" });
 * ```
 */
export function createBackoff(options: CreateBackoffOptions = {}): BackoffStrategy {
  const { preset = "default", random = Math.random, ...overrides } = options;
  const settings: BackoffOptions = { ...BACKOFF_PRESETS[preset], ...overrides };
  validate(settings);
  const { baseDelaysMs, capMs, jitter, jitterMode } = settings;

  const baseDelay = (attempt: number): number => {
    const index = Math.max(1, Math.floor(attempt)) - 1;
    const listed = baseDelaysMs[Math.min(index, baseDelaysMs.length - 1)];
    // Bounded so that a zero base delay never meets an infinite factor.
    const doublings = Math.min(32, Math.max(0, index - (baseDelaysMs.length - 1)));
    return Math.min(capMs, listed * 2 ** doublings);
  };

  const delay = (attempt: number): number => {
    const base = baseDelay(attempt);
    const jittered = jitterMode === "full"
      ? random() * base
      : base * (1 + jitter * (2 * random() - 1));
    return Math.round(Math.min(capMs, jittered));
  };

  return { ...settings, baseDelay, delay };
}

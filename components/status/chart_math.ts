/**
 * The arithmetic of the status page's charts, kept apart from markup so it can
 * be tested: scaling samples into an SVG box, the line and area paths
 * (a `null` sample breaks the line instead of pretending it was zero), and
 * round axis maxima.
 *
 * @example
 * ```ts
 * const frame = chartFrame({ width: 120, height: 32 }, {
 *   x: timeDomain(history.t, 15 * 60_000),
 *   y: valueDomain([history.connections]),
 * });
 * const points = plotPoints(history.t, history.connections, frame);
 * <path d={linePath(points)} />;
 * ```
 */

/** A closed range of values. */
export interface Domain {
  readonly min: number;
  readonly max: number;
}

/** Space kept free around the plot, in SVG units (for strokes and labels). */
export interface Inset {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/** Where data lands: the SVG box, the inset plot area, and the domains mapped onto it. */
export interface ChartFrame {
  readonly width: number;
  readonly height: number;
  readonly inset: Inset;
  readonly x: Domain;
  readonly y: Domain;
}

/** A sample's position in the SVG box. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

const NO_INSET: Inset = { top: 0, right: 0, bottom: 0, left: 0 };

/**
 * Builds a {@linkcode ChartFrame}.
 *
 * @example
 * ```ts
 * chartFrame({ width: 100, height: 40, inset: { top: 2, right: 2, bottom: 2, left: 2 } },
 *   { x: { min: 0, max: 10 }, y: { min: 0, max: 5 } });
 * ```
 */
export function chartFrame(
  box: { width: number; height: number; inset?: Partial<Inset> },
  domains: { x: Domain; y: Domain },
): ChartFrame {
  return {
    width: box.width,
    height: box.height,
    inset: { ...NO_INSET, ...box.inset },
    x: domains.x,
    y: domains.y,
  };
}

/**
 * Maps `value` from `domain` onto `[from, to]` linearly. An empty domain
 * (min equals max) maps everything to `from`, so a lone sample has a place.
 *
 * @example
 * ```ts
 * scale(5, { min: 0, max: 10 }, 0, 100); // 50
 * ```
 */
export function scale(value: number, domain: Domain, from: number, to: number): number {
  const span = domain.max - domain.min;
  if (span === 0) return from;
  return from + ((value - domain.min) / span) * (to - from);
}

/** Rounds to two decimals: SVG paths stay short and stable across renders. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Positions each sample in the frame: time runs left to right, values bottom
 * to top. A `null` value, or a time outside the frame's x domain, gives `null`.
 *
 * @example
 * ```ts
 * plotPoints([0, 5], [1, null], frame); // [{ x: 0, y: 32 }, null]
 * ```
 */
export function plotPoints(
  times: readonly number[],
  values: readonly (number | null)[],
  frame: ChartFrame,
): (Point | null)[] {
  const { inset } = frame;
  const left = inset.left;
  const right = frame.width - inset.right;
  const top = inset.top;
  const bottom = frame.height - inset.bottom;
  return values.map((value, index) => {
    const t = times[index];
    if (value === null || t === undefined || t < frame.x.min || t > frame.x.max) return null;
    const x = frame.x.min === frame.x.max ? right : scale(t, frame.x, left, right);
    return { x: round(x), y: round(scale(value, frame.y, bottom, top)) };
  });
}

/** The runs of consecutive points between gaps. */
function runs(points: readonly (Point | null)[]): Point[][] {
  const found: Point[][] = [];
  let current: Point[] = [];
  for (const point of points) {
    if (point) {
      current.push(point);
    } else if (current.length > 0) {
      found.push(current);
      current = [];
    }
  }
  if (current.length > 0) found.push(current);
  return found;
}

/**
 * An SVG path through the points; each gap starts a new subpath. A run of a
 * single point becomes a zero-length segment, which a round line cap shows as a dot.
 *
 * @example
 * ```ts
 * linePath([{ x: 0, y: 10 }, { x: 5, y: 0 }, null, { x: 9, y: 4 }]); // "M0 10L5 0M9 4h0"
 * ```
 */
export function linePath(points: readonly (Point | null)[]): string {
  return runs(points).map((run) => {
    const [first, ...rest] = run;
    const start = `M${first.x} ${first.y}`;
    return rest.length === 0 ? `${start}h0` : start + rest.map((p) => `L${p.x} ${p.y}`).join("");
  }).join("");
}

/** Up to this many measured points, every point is drawn as a dot too. */
export const SPARSE_POINTS = 40;

/**
 * Dots for the points a line alone would hardly show: every point of a
 * sparse series (at most {@linkcode SPARSE_POINTS} measured), and else each
 * point with a gap on both sides. Each dot is a zero-length segment, which a
 * thick round line cap draws as a visible circle at any scale.
 *
 * @example
 * ```ts
 * dotsPath([{ x: 0, y: 10 }, null, { x: 9, y: 4 }]); // "M0 10h0M9 4h0"
 * ```
 */
export function dotsPath(points: readonly (Point | null)[]): string {
  const measured = points.filter((point): point is Point => point !== null);
  const shown = measured.length <= SPARSE_POINTS
    ? measured
    : runs(points).filter((run) => run.length === 1).flat();
  return shown.map((point) => `M${point.x} ${point.y}h0`).join("");
}

/**
 * The samples with a `null` put wherever two neighbours are further apart
 * than one and a half intervals, so the line breaks where nothing was
 * recorded instead of bridging the silence.
 *
 * @example
 * ```ts
 * breakGaps([0, 60, 300], [1, 2, 3], 60); // { times: [0, 60, 61, 300], values: [1, 2, null, 3] }
 * ```
 */
export function breakGaps(
  times: readonly number[],
  values: readonly (number | null)[],
  intervalMs: number,
): { times: number[]; values: (number | null)[] } {
  const gapped = { times: [] as number[], values: [] as (number | null)[] };
  times.forEach((t, index) => {
    const before = times[index - 1];
    if (index > 0 && t - before > 1.5 * intervalMs) {
      gapped.times.push(before + 1);
      gapped.values.push(null);
    }
    gapped.times.push(t);
    gapped.values.push(values[index] ?? null);
  });
  return gapped;
}

/**
 * The closed area between each run of points and the horizontal line at
 * `baseline` (the bottom of the plot), for a sparkline's soft fill.
 *
 * @example
 * ```ts
 * areaPath([{ x: 0, y: 10 }, { x: 5, y: 0 }], 32); // "M0 32L0 10L5 0L5 32Z"
 * ```
 */
export function areaPath(points: readonly (Point | null)[], baseline: number): string {
  return runs(points)
    .filter((run) => run.length > 1)
    .map((run) => {
      const first = run[0];
      const last = run[run.length - 1];
      const line = run.map((p) => `L${p.x} ${p.y}`).join("");
      return `M${first.x} ${baseline}${line}L${last.x} ${baseline}Z`;
    })
    .join("");
}

/**
 * The smallest "round" number (1, 2, 2.5 or 5 times a power of ten) at or
 * above `value`, for an axis maximum a reader can take in at a glance.
 *
 * @example
 * ```ts
 * niceCeiling(37); // 50
 * niceCeiling(0.3); // 0.5
 * ```
 */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = step * power;
    // Tolerates float error, so that 0.3 / 0.1 does not land just past 3.
    if (candidate >= value * (1 - 1e-9)) return round(candidate * 1e6) / 1e6;
  }
  return 10 * power;
}

/**
 * The y domain for one or more series: from zero (counts and latencies start
 * there) to a round number at or above the largest sample. With nothing but
 * zeros and gaps it is `[0, 1]`, so a flat line sits on the bottom edge.
 *
 * @example
 * ```ts
 * valueDomain([[3, 12, null], [40]]); // { min: 0, max: 50 }
 * ```
 */
export function valueDomain(series: readonly (readonly (number | null)[])[]): Domain {
  let max = 0;
  for (const values of series) {
    for (const value of values) if (value !== null && value > max) max = value;
  }
  return { min: 0, max: niceCeiling(max) };
}

/**
 * The x domain: the last `spanMs` up to the newest sample, or less when the
 * samples do not reach that far back yet (a fresh server fills the width
 * with what it has instead of drawing a sliver at the right).
 *
 * @example
 * ```ts
 * timeDomain([0, 5_000, 10_000], 900_000); // { min: 0, max: 10_000 }
 * ```
 */
export function timeDomain(times: readonly number[], spanMs: number): Domain {
  if (times.length === 0) return { min: 0, max: 0 };
  const newest = times[times.length - 1];
  return { min: Math.max(times[0], newest - spanMs), max: newest };
}

/**
 * The lowest, highest and latest measured value of a series (gaps skipped),
 * for the words that stand in for a chart; null when nothing was measured.
 *
 * @example
 * ```ts
 * seriesRange([4, null, 9, 6]); // { min: 4, max: 9, last: 6 }
 * ```
 */
export function seriesRange(
  values: readonly (number | null)[],
): { min: number; max: number; last: number } | null {
  const measured = values.filter((value): value is number => value !== null);
  if (measured.length === 0) return null;
  return {
    min: Math.min(...measured),
    max: Math.max(...measured),
    last: measured[measured.length - 1],
  };
}

/**
 * Evenly spaced values from the domain's min to its max, both included.
 *
 * @example
 * ```ts
 * ticks({ min: 0, max: 50 }, 3); // [0, 25, 50]
 * ```
 */
export function ticks(domain: Domain, count: number): number[] {
  if (count < 2) return [domain.max];
  const step = (domain.max - domain.min) / (count - 1);
  return Array.from({ length: count }, (_, index) => round(domain.min + step * index));
}

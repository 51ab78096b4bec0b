import {
  areaPath,
  breakGaps,
  chartFrame,
  type Domain,
  dotsPath,
  linePath,
  plotPoints,
  seriesRange,
  timeDomain,
  valueDomain,
} from "./chart_math.ts";

/** Props of {@linkcode Sparkline}. */
export interface SparklineProps {
  /** Sample times (epoch ms), oldest first. */
  times: readonly number[];
  values: readonly (number | null)[];
  /** How far back to draw. */
  spanMs: number;
  /** The time one sample stands for: samples further apart leave a gap in the line. */
  intervalMs: number;
  /** The time axis; default the samples' own extent (at most `spanMs`). */
  domain?: Domain;
  /** What the values are and over which window, for the text equivalent. */
  label: string;
  format: (value: number) => string;
}

const WIDTH = 120;
const HEIGHT = 36;
const INSET = { top: 3, bottom: 2 };

/**
 * A small line with a soft fill under it, stretched to its container's width.
 * The line breaks where nothing was recorded, and sparse samples are drawn as
 * dots, so a lone sample is visible. Screen readers get the range in words
 * instead of the drawing.
 *
 * @example
 * ```tsx
 * <Sparkline times={h.t} values={h.connections} spanMs={900_000} intervalMs={5_000}
 *   label="Connections, last 15 min" format={formatCount} />
 * ```
 */
export function Sparkline(props: SparklineProps) {
  const { label, format } = props;
  const { times, values } = breakGaps(props.times, props.values, props.intervalMs);
  const frame = chartFrame({ width: WIDTH, height: HEIGHT, inset: INSET }, {
    x: props.domain ?? timeDomain(times, props.spanMs),
    y: valueDomain([values]),
  });
  const points = plotPoints(times, values, frame);
  const range = seriesRange(values);
  const description = range
    ? `${label}: lowest ${format(range.min)}, highest ${format(range.max)}, latest ${
      format(range.last)
    }`
    : `${label}: nothing recorded`;
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={description}
    >
      <title>{description}</title>
      <path class="sparkline-area" d={areaPath(points, HEIGHT - INSET.bottom)} />
      <path class="sparkline-line" d={linePath(points)} vector-effect="non-scaling-stroke" />
      <path class="sparkline-dots" d={dotsPath(points)} vector-effect="non-scaling-stroke" />
    </svg>
  );
}

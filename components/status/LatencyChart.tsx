import type { StatusHistory } from "../../lib/protocol/status.ts";
import {
  breakGaps,
  chartFrame,
  type Domain,
  dotsPath,
  linePath,
  plotPoints,
  scale,
  seriesRange,
  ticks,
  timeDomain,
  valueDomain,
} from "./chart_math.ts";
import { formatAgo, formatDuration, formatMillis } from "./format.ts";

/** Props of {@linkcode LatencyChart}. */
export interface LatencyChartProps {
  history: StatusHistory;
  /** How far back to draw. */
  spanMs: number;
  /** The time axis; default the samples' own extent (at most `spanMs`). */
  domain?: Domain;
  /** The window in words ("last 24 h"). */
  window: string;
  /** The status's `server_time`: "ago" is measured from it, so server and browser agree. */
  now: number;
}

/** Each series is drawn as a line, then as dots where the line alone would hardly show. */
const MARKS = [{ kind: "line", draw: linePath }, { kind: "dots", draw: dotsPath }] as const;

const WIDTH = 600;
const HEIGHT = 180;
const INSET = { top: 6, bottom: 2 };

function describe(name: string, values: readonly (number | null)[]): string {
  const range = seriesRange(values);
  if (!range) return `${name}: nothing measured`;
  return `${name} from ${formatMillis(range.min)} to ${formatMillis(range.max)}, latest ${
    formatMillis(range.last)
  }`;
}

/**
 * Delivery latency over time: p99 and p50 lines on one axis, the axis labels
 * in HTML (so they stay legible at any width), and every sample as a table
 * for anyone who cannot see the lines. Where nothing was delivered the lines
 * break; a window without any delivery says so in words, over the plot.
 *
 * @example
 * ```tsx
 * <LatencyChart history={status.history} spanMs={900_000} window="last 15 min"
 *   now={status.server_time} />
 * ```
 */
export function LatencyChart({ history, spanMs, domain, window, now }: LatencyChartProps) {
  const p99 = breakGaps(history.t, history.delivery_p99_ms, history.interval_ms);
  const p50 = breakGaps(history.t, history.delivery_p50_ms, history.interval_ms);
  const frame = chartFrame({ width: WIDTH, height: HEIGHT, inset: INSET }, {
    x: domain ?? timeDomain(history.t, spanMs),
    y: valueDomain([p99.values, p50.values]),
  });
  const grid = ticks(frame.y, 3).map((value) => ({
    value,
    y: scale(value, frame.y, HEIGHT - INSET.bottom, INSET.top),
  }));
  const covered = frame.x.max - frame.x.min;
  const measured = seriesRange(history.delivery_p99_ms) !== null;
  const gaps = measured && history.delivery_p99_ms.some((value) => value === null);
  const summary = measured
    ? `Delivery latency, ${window}: ${describe("p99", history.delivery_p99_ms)}; ${
      describe("p50", history.delivery_p50_ms)
    }.`
    : `Delivery latency, ${window}: no deliveries, so nothing to measure.`;
  // Lines first, then the dots over them; p99 under p50 in each.
  const lines = [
    { name: "p99", points: plotPoints(p99.times, p99.values, frame) },
    { name: "p50", points: plotPoints(p50.times, p50.values, frame) },
  ];
  const rows = history.t.map((t, index) => ({
    t,
    p50: history.delivery_p50_ms[index],
    p99: history.delivery_p99_ms[index],
  })).reverse();

  return (
    <figure class="latency-chart" data-measured={measured}>
      <div class="latency-plot">
        <div class="latency-y-axis" aria-hidden="true">
          {grid.map(({ value, y }) => (
            <span key={value} style={{ top: `${(y / HEIGHT) * 100}%` }}>
              {formatMillis(value)}
            </span>
          ))}
        </div>
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={summary}
        >
          <title>{summary}</title>
          {grid.map(({ value, y }) => (
            <line
              key={value}
              class="latency-grid"
              x1={0}
              x2={WIDTH}
              y1={y}
              y2={y}
              vector-effect="non-scaling-stroke"
            />
          ))}
          {MARKS.map(({ kind, draw }) =>
            lines.map(({ name, points }) => (
              <path
                key={`${kind}-${name}`}
                class={`latency-${kind} latency-${name}`}
                d={draw(points)}
                vector-effect="non-scaling-stroke"
              />
            ))
          )}
        </svg>
        {!measured && (
          <p class="chart-empty">
            No deliveries in the {window}: nobody sent a message, so there is no latency to show.
          </p>
        )}
      </div>
      <div class="latency-x-axis" aria-hidden="true">
        <span>{covered > 0 ? `${formatDuration(covered / 1_000)} ago` : ""}</span>
        <span>now</span>
      </div>
      <figcaption class="chart-legend">
        <span class="legend-key legend-p99">p99</span>
        <span class="legend-key legend-p50">p50 (median)</span>
        {gaps && <span class="legend-gaps">gaps: no deliveries then</span>}
      </figcaption>
      <details class="chart-samples">
        <summary>Samples as a table</summary>
        <div class="chart-samples-scroll">
          <table class="data-table">
            <caption class="visually-hidden">Delivery latency samples, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col" class="num">p50</th>
                <th scope="col" class="num">p99</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.t}>
                  <td>{formatAgo(row.t, now)}</td>
                  <td class="num">{row.p50 === null ? "no deliveries" : formatMillis(row.p50)}</td>
                  <td class="num">{row.p99 === null ? "no deliveries" : formatMillis(row.p99)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

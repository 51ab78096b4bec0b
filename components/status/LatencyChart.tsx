import type { StatusHistory } from "../../lib/protocol/status.ts";
import {
  chartFrame,
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
  /** The status's `server_time`: "ago" is measured from it, so server and browser agree. */
  now: number;
}

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
 * for anyone who cannot see the lines.
 *
 * @example
 * ```tsx
 * <LatencyChart history={status.history} spanMs={900_000} now={status.server_time} />
 * ```
 */
export function LatencyChart({ history, spanMs, now }: LatencyChartProps) {
  const times = history.t;
  const frame = chartFrame({ width: WIDTH, height: HEIGHT, inset: INSET }, {
    x: timeDomain(times, spanMs),
    y: valueDomain([history.delivery_p99_ms, history.delivery_p50_ms]),
  });
  const grid = ticks(frame.y, 3).map((value) => ({
    value,
    y: scale(value, frame.y, HEIGHT - INSET.bottom, INSET.top),
  }));
  const covered = frame.x.max - frame.x.min;
  const summary = `Delivery latency over the last ${formatDuration(covered / 1_000)}: ${
    describe("p99", history.delivery_p99_ms)
  }; ${describe("p50", history.delivery_p50_ms)}.`;
  const rows = times.map((t, index) => ({
    t,
    p50: history.delivery_p50_ms[index],
    p99: history.delivery_p99_ms[index],
  })).reverse();

  return (
    <figure class="latency-chart">
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
          <path
            class="latency-line latency-p99"
            d={linePath(plotPoints(times, history.delivery_p99_ms, frame))}
            vector-effect="non-scaling-stroke"
          />
          <path
            class="latency-line latency-p50"
            d={linePath(plotPoints(times, history.delivery_p50_ms, frame))}
            vector-effect="non-scaling-stroke"
          />
        </svg>
      </div>
      <div class="latency-x-axis" aria-hidden="true">
        <span>{covered > 0 ? `${formatDuration(covered / 1_000)} ago` : ""}</span>
        <span>now</span>
      </div>
      <figcaption class="chart-legend">
        <span class="legend-key legend-p99">p99</span>
        <span class="legend-key legend-p50">p50 (median)</span>
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
                  <td class="num">{formatMillis(row.p50)}</td>
                  <td class="num">{formatMillis(row.p99)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

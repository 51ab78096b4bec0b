import type { Domain } from "./chart_math.ts";
import { Sparkline } from "./Sparkline.tsx";

/** Props of {@linkcode MetricCard}. */
export interface MetricCardProps {
  /** A stable name for the number (`data-metric`), e.g. `connections`. */
  name: string;
  /** What the number counts and over what window ("Messages in the last 5 min"). */
  label: string;
  /** The number, already formatted. */
  value: string;
  /** A line under the number: when it was measured, or more about it. */
  note: string;
  times: readonly number[];
  values: readonly (number | null)[];
  spanMs: number;
  intervalMs: number;
  domain?: Domain;
  /** What the sparkline shows, in words ("Connections, peak per 5 min, last 24 h"). */
  chartLabel: string;
  format: (value: number) => string;
}

/**
 * One of the big numbers, with its sparkline underneath.
 *
 * @example
 * ```tsx
 * <MetricCard name="connections" label="Connections open now" value="16" note="last 15 min"
 *   times={h.t} values={h.connections} spanMs={900_000} intervalMs={5_000}
 *   chartLabel="Connections, last 15 min" format={formatCount} />
 * ```
 */
export function MetricCard(props: MetricCardProps) {
  const id = `metric-${props.name}`;
  return (
    <article class="metric" data-metric={props.name} aria-labelledby={id}>
      <h3 class="metric-label" id={id}>{props.label}</h3>
      <p class="metric-value">{props.value}</p>
      <p class="metric-note">{props.note}</p>
      <Sparkline
        times={props.times}
        values={props.values}
        spanMs={props.spanMs}
        intervalMs={props.intervalMs}
        domain={props.domain}
        label={props.chartLabel}
        format={props.format}
      />
    </article>
  );
}

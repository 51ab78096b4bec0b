import { Sparkline } from "./Sparkline.tsx";

/** Props of {@linkcode MetricCard}. */
export interface MetricCardProps {
  /** A stable name for the number (`data-metric`), e.g. `connections`. */
  name: string;
  label: string;
  /** The number, already formatted. */
  value: string;
  /** A short line under the number, e.g. the median next to a p99. */
  note?: string;
  times: readonly number[];
  values: readonly (number | null)[];
  spanMs: number;
  /** The window the sparkline covers, in words ("last 15 min"). */
  window: string;
  format: (value: number) => string;
}

/**
 * One of the big numbers, with its sparkline underneath.
 *
 * @example
 * ```tsx
 * <MetricCard name="connections" label="Connections" value="16" times={h.t}
 *   values={h.connections} spanMs={900_000} window="last 15 min" format={formatCount} />
 * ```
 */
export function MetricCard(props: MetricCardProps) {
  const id = `metric-${props.name}`;
  return (
    <article class="metric" data-metric={props.name} aria-labelledby={id}>
      <h3 class="metric-label" id={id}>{props.label}</h3>
      <p class="metric-value">{props.value}</p>
      <p class="metric-note">{props.note ?? props.window}</p>
      <Sparkline
        times={props.times}
        values={props.values}
        spanMs={props.spanMs}
        label={`${props.label}, ${props.window}`}
        format={props.format}
      />
    </article>
  );
}

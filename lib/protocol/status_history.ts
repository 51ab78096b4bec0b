/**
 * The status history's span, and the `status` frame's deltas: after the first
 * frame of a `subscribe_status { delta: true }`, a frame's `summary.history`
 * holds only the samples taken since the frame before, and the client appends
 * them to what it holds, keeping as many samples as the server does.
 *
 * @example
 * ```ts
 * const delta = onlyNewestSample(summary);      // the server: one sample instead of 180
 * const whole = applyStatusDelta(held, delta);  // the client: the history grows by one
 * whole.history.t.length <= historyCapacity(whole.history.interval_ms); // true
 * ```
 */
import type { StatusHistory, StatusResponse } from "./status.ts";

/** How far back the status history reaches: 15 minutes. */
export const STATUS_HISTORY_SPAN_MS = 15 * 60_000;

/** The history's columns: one entry per sample in each, `t` (the sample's time) first. */
export const HISTORY_COLUMNS = [
  "t",
  "connections",
  "users_online",
  "messages_per_second",
  "delivery_p50_ms",
  "delivery_p99_ms",
] as const satisfies readonly (keyof StatusHistory)[];

/**
 * How many samples a history taken every `intervalMs` holds across `spanMs`.
 *
 * @example
 * ```ts
 * historyCapacity(5_000); // 180
 * ```
 */
export function historyCapacity(intervalMs: number, spanMs = STATUS_HISTORY_SPAN_MS): number {
  return Math.max(1, Math.ceil(spanMs / intervalMs));
}

type SampleColumns = Pick<StatusHistory, typeof HISTORY_COLUMNS[number]>;

/** `history` with each sample column replaced by `column(name)`. */
function mapColumns(
  history: StatusHistory,
  column: (name: keyof SampleColumns) => unknown[],
): StatusHistory {
  const mapped: Record<string, unknown> = { ...history };
  for (const name of HISTORY_COLUMNS) mapped[name] = column(name);
  return mapped as StatusHistory;
}

/**
 * `status` with only its newest history sample (none if it has none): the
 * summary a delta `status` frame carries.
 *
 * @example
 * ```ts
 * onlyNewestSample(summary).history.t; // [summary.history.t.at(-1)]
 * ```
 */
export function onlyNewestSample<S extends StatusResponse>(status: S): S {
  const { history } = status;
  return { ...status, history: mapColumns(history, (name) => history[name].slice(-1)) };
}

/**
 * The status a delta frame brings: its numbers, with its samples appended to
 * `held`'s history (the oldest dropped past {@linkcode historyCapacity}). A
 * held sample as new as the delta's first is dropped, so a sample sent twice
 * shows once. A delta taken at another interval cannot continue the history:
 * it is taken as it is.
 *
 * @example
 * ```ts
 * const next = applyStatusDelta(held, frame.summary);
 * next.history.t.at(-1) === frame.summary.history.t.at(-1); // true
 * ```
 */
export function applyStatusDelta(held: StatusResponse, delta: StatusResponse): StatusResponse {
  const old = held.history;
  const added = delta.history;
  if (old.interval_ms !== added.interval_ms) return delta;
  const firstAdded = added.t[0] ?? Infinity;
  const kept = old.t.filter((t) => t < firstAdded).length;
  const capacity = historyCapacity(added.interval_ms);
  return {
    ...delta,
    history: mapColumns(
      added,
      (name) => [...old[name].slice(0, kept), ...added[name]].slice(-capacity),
    ),
  };
}

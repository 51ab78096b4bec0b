/**
 * A bounded ring of cluster samples for the status page's sparklines: one
 * sample per snapshot interval, 15 minutes by default, stored in
 * preallocated typed arrays so the ring never grows.
 *
 * @example
 * ```ts
 * const history = createHistoryRing({ intervalMs: 5_000 });
 * history.record({ t: clock.now(), connections: 3, users_online: 2,
 *   messages_per_second: 0.4, delivery_p50_ms: 3, delivery_p99_ms: 12 });
 * history.toJSON().connections; // [3]
 * ```
 */
import type { StatusHistory } from "../../protocol/status.ts";
import { HISTORY_COLUMNS, historyCapacity } from "../../protocol/status_history.ts";

/** One point in time of the cluster. */
export interface HistorySample {
  t: number;
  connections: number;
  users_online: number;
  messages_per_second: number;
  delivery_p50_ms: number | null;
  delivery_p99_ms: number | null;
}

/** The ring of samples. */
export interface HistoryRing {
  record(sample: HistorySample): void;
  /** The samples, oldest first, column by column as `GET /api/status` carries them. */
  toJSON(): StatusHistory;
}

/** Options of {@linkcode createHistoryRing}. */
export interface HistoryRingOptions {
  /** How often samples are recorded. */
  intervalMs: number;
  /** How far back the ring reaches. Default 15 minutes. */
  spanMs?: number;
}

/** Creates an empty {@linkcode HistoryRing}. */
export function createHistoryRing(options: HistoryRingOptions): HistoryRing {
  const { intervalMs } = options;
  const capacity = historyCapacity(intervalMs, options.spanMs);
  // A missing latency is stored as NaN and read back as null.
  const columns = Object.fromEntries(
    HISTORY_COLUMNS.map((column) => [column, new Float64Array(capacity)]),
  ) as Record<typeof HISTORY_COLUMNS[number], Float64Array>;
  let next = 0;
  let size = 0;

  const read = (column: Float64Array): number[] => {
    const values: number[] = [];
    for (let index = size; index > 0; index--) {
      values.push(column[(next - index + capacity) % capacity]);
    }
    return values;
  };
  const orNull = (value: number) => Number.isNaN(value) ? null : value;

  return {
    record(sample) {
      for (const column of HISTORY_COLUMNS) columns[column][next] = sample[column] ?? NaN;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    toJSON: () => ({
      interval_ms: intervalMs,
      t: read(columns.t),
      connections: read(columns.connections),
      users_online: read(columns.users_online),
      messages_per_second: read(columns.messages_per_second),
      delivery_p50_ms: read(columns.delivery_p50_ms).map(orNull),
      delivery_p99_ms: read(columns.delivery_p99_ms).map(orNull),
    }),
  };
}

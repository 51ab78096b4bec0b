/**
 * The status history: the cluster's samples kept in the store (minutes for
 * 48 h, hours for 90 days, daily uptime, incidents with admins' notes),
 * written by one instance at a time, and read back by range for the status
 * page.
 *
 * Kept in Deno KV (`kv_store.ts`) or PostgreSQL (`pg_store.ts`), behind one
 * interface (`store.ts`).
 *
 * Imports `../store`, `../cluster` (its leases), `../metrics` and `../postgres`
 * (besides `lib/protocol` and `lib/time`).
 *
 * @example
 * ```ts
 * import { createKvStatusHistoryStore, createRangeReports, createStatusRecorder } from "./mod.ts";
 * const store = createKvStatusHistoryStore({ kv });
 * const recorder = createStatusRecorder({ clock, view, store, lease, intervalMs: 5_000 });
 * const reports = createRangeReports({ store, clock, liveHistory: () => view.history() });
 * ```
 */
export * from "./bucket.ts";
export * from "./store.ts";
export * from "./keys.ts";
export * from "./kv_store.ts";
export * from "./pg_store.ts";
export * from "./tick_sample.ts";
export * from "./recent_window.ts";
export * from "./incidents.ts";
export * from "./recorder.ts";
export * from "./range_reports.ts";

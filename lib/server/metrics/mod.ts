/**
 * Switchboard's metrics: a per-isolate registry that costs nothing per
 * message, the Switchboard metric set, Prometheus exposition, snapshots
 * shared across isolates, the cluster view and the status report.
 *
 * Imports nothing of `lib/server` (only `lib/protocol` and `lib/time`): every
 * subsystem may report to it.
 *
 * @example
 * ```ts
 * import {
 *   createClusterView, createIsolateIdentity, createSnapshotPublisher,
 *   createSwitchboardMetrics, renderPrometheus,
 * } from "./mod.ts";
 * const identity = createIsolateIdentity({ clock, version: "1.0.0", buildId: "dev" });
 * const metrics = createSwitchboardMetrics({ clock, identity });
 * const view = createClusterView({ clock, sampleIntervalMs: 5_000 });
 * const publisher = createSnapshotPublisher({ clock, intervalMs: 5_000, metrics, view, publish });
 * ```
 */
export * from "./counter.ts";
export * from "./gauge.ts";
export * from "./histogram.ts";
export * from "./labeled.ts";
export * from "./registry.ts";
export * from "./prometheus.ts";
export * from "./exposition.ts";
export * from "./identity.ts";
export * from "./room_activity.ts";
export * from "./recent_errors.ts";
export * from "./snapshot.ts";
export * from "./switchboard_metrics.ts";
export * from "./history.ts";
export * from "./cluster_view.ts";
export * from "./publisher.ts";
export * from "./health.ts";
export * from "./status_report.ts";

/**
 * How the overall state is decided, in one place, with the reasons in words
 * (the status page shows them next to the color):
 *
 * - **down**: no isolate is reporting, or the store fails on every live
 *   isolate (nothing can be committed).
 * - **degraded**, for any of:
 *   - the store fails on some isolates;
 *   - delivery p99 over the last window is above `deliveryP99Ms` (500 ms);
 *   - handshakes are refused faster than `refusalsPerSecond` (5/s) across
 *     the cluster: clients are being turned away;
 *   - an isolate stopped reporting without draining in the last few minutes.
 * - **ok** otherwise.
 *
 * @example
 * ```ts
 * const { status, reasons } = assessHealth(view);
 * // "degraded", ["delivery p99 is 740 ms (limit 500 ms)"]
 * ```
 */
import type { HealthState } from "../../protocol/status.ts";
import type { ClusterTotals, ClusterView } from "./cluster_view.ts";
import { quantile } from "./histogram.ts";
import { METRIC_NAMES } from "./switchboard_metrics.ts";

/** Limits beyond which the cluster counts as degraded. */
export interface HealthThresholds {
  /** Default 500. */
  deliveryP99Ms: number;
  /** Default 5. */
  refusalsPerSecond: number;
}

/** The thresholds used when none are given. */
export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  deliveryP99Ms: 500,
  refusalsPerSecond: 5,
};

/** The overall state and why. */
export interface Health {
  status: HealthState;
  reasons: string[];
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Decides the state from the view (and its totals, when already computed). */
export function assessHealth(
  view: ClusterView,
  thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
  totals: ClusterTotals = view.totals(),
): Health {
  const live = view.isolates();
  if (live.length === 0) return { status: "down", reasons: ["no isolate is reporting"] };
  const failing = live.filter((report) => !report.snapshot.kv_ok).length;
  if (failing === live.length) {
    return { status: "down", reasons: ["the store is not answering"] };
  }

  const reasons: string[] = [];
  if (failing > 0) {
    reasons.push(`the store is failing on ${failing} of ${plural(live.length, "isolate")}`);
  }
  const delivery = totals.recent_histograms[METRIC_NAMES.deliveryLatency];
  const p99 = delivery ? quantile(delivery, 0.99) : null;
  if (p99 !== null && p99 > thresholds.deliveryP99Ms) {
    reasons.push(
      `delivery p99 is ${Math.round(p99)} ms (limit ${thresholds.deliveryP99Ms} ms)`,
    );
  }
  if (totals.refusals_per_second > thresholds.refusalsPerSecond) {
    reasons.push(
      `${totals.refusals_per_second.toFixed(1)} connections refused per second ` +
        `(limit ${thresholds.refusalsPerSecond})`,
    );
  }
  const missing = view.missing().length;
  if (missing > 0) reasons.push(`${plural(missing, "isolate")} stopped reporting`);
  return { status: reasons.length === 0 ? "ok" : "degraded", reasons };
}

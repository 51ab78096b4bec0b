import type { LiveStatusMode } from "../../lib/client/live_status.ts";
import type { StatusResponse } from "../../lib/protocol/status.ts";
import { STATUS_HISTORY_SPAN_MS } from "../../lib/protocol/status_history.ts";
import { BusiestRooms } from "./BusiestRooms.tsx";
import { FeedState } from "./FeedState.tsx";
import { formatCount, formatDuration, formatMillis, formatRate } from "./format.ts";
import { HealthBanner } from "./HealthBanner.tsx";
import { IsolatesTable } from "./IsolatesTable.tsx";
import { LatencyChart } from "./LatencyChart.tsx";
import { MetricCard } from "./MetricCard.tsx";
import { RefusalsPanel } from "./RefusalsPanel.tsx";

/** Props of {@linkcode StatusDashboard}. */
export interface StatusDashboardProps {
  status: StatusResponse;
  mode: LiveStatusMode;
}

/** "last 15 min", or less while the history is still filling up. */
function windowWords(history: StatusResponse["history"]): string {
  const { t } = history;
  if (t.length === 0) return "history starts now";
  // Each sample stands for the interval before it.
  const covered = Math.min(STATUS_HISTORY_SPAN_MS, t[t.length - 1] - t[0] + history.interval_ms);
  return `last ${formatDuration(covered / 1_000)}`;
}

/**
 * The whole status board for one status: rendered by the server as the
 * page, then by the StatusBoard island each time the live status brings news.
 *
 * @example
 * ```tsx
 * <StatusDashboard status={summary} mode="idle" />
 * ```
 */
export function StatusDashboard({ status, mode }: StatusDashboardProps) {
  const { history } = status;
  const window = windowWords(history);
  const common = { times: history.t, spanMs: STATUS_HISTORY_SPAN_MS, window };
  const latency = status.delivery_latency_ms;
  // The isolates panel moves by view: for the public it is one sentence that fits the
  // side column; for admins it is a wide table, which gets the full width below the
  // columns while the busiest rooms take its place beside the latency chart.
  return (
    <div class="status-board" data-view={status.view}>
      <div class="status-titlebar">
        <h1>Switchboard status</h1>
        <FeedState mode={mode} asOf={status.server_time} intervalMs={history.interval_ms} />
      </div>
      <HealthBanner status={status} />
      <section class="metric-grid" aria-label="Key numbers">
        <MetricCard
          {...common}
          name="connections"
          label="Connections"
          value={formatCount(status.connections)}
          values={history.connections}
          format={formatCount}
        />
        <MetricCard
          {...common}
          name="users"
          label="Users online"
          value={formatCount(status.users_online)}
          values={history.users_online}
          format={formatCount}
        />
        <MetricCard
          {...common}
          name="messages"
          label="Messages / s"
          value={formatRate(status.messages_per_second)}
          values={history.messages_per_second}
          format={formatRate}
        />
        <MetricCard
          {...common}
          name="latency"
          label="Delivery p99"
          value={formatMillis(latency.p99)}
          note={`median ${formatMillis(latency.p50)} · ${window}`}
          values={history.delivery_p99_ms}
          format={formatMillis}
        />
      </section>
      <div class="status-columns">
        <section class="panel" aria-labelledby="latency-title">
          <header class="panel-head">
            <h2 id="latency-title">Delivery latency</h2>
            <p class="panel-sub">from a send to the last local write · {window}</p>
          </header>
          <LatencyChart
            history={history}
            spanMs={STATUS_HISTORY_SPAN_MS}
            now={status.server_time}
          />
        </section>
        <div class="side-stack">
          <RefusalsPanel status={status} />
          {status.view === "admin"
            ? <BusiestRooms rooms={status.busiest_rooms} />
            : <IsolatesTable status={status} />}
        </div>
      </div>
      {status.view === "admin" && <IsolatesTable status={status} />}
    </div>
  );
}

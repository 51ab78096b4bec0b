import type { LiveStatusMode } from "../../lib/client/live_status.ts";
import type { StatusRangesState } from "../../lib/client/status_ranges.ts";
import type { StatusHistory, StatusRangeData, StatusResponse } from "../../lib/protocol/status.ts";
import { STATUS_HISTORY_SPAN_MS } from "../../lib/protocol/status_history.ts";
import { STATUS_RANGE_SPECS, type StatusRange } from "../../lib/protocol/status_range.ts";
import { BusiestRooms } from "./BusiestRooms.tsx";
import type { Domain } from "./chart_math.ts";
import { DrilldownPanel } from "./DrilldownPanel.tsx";
import { FeedState } from "./FeedState.tsx";
import {
  formatAgo,
  formatCount,
  formatDuration,
  formatMillis,
  formatRate,
  NO_VALUE,
} from "./format.ts";
import { HealthBanner } from "./HealthBanner.tsx";
import { type AddNote, IncidentsPanel } from "./IncidentsPanel.tsx";
import { IsolatesTable } from "./IsolatesTable.tsx";
import { LatencyChart } from "./LatencyChart.tsx";
import { MetricCard } from "./MetricCard.tsx";
import { RangePicker } from "./RangePicker.tsx";
import { RefusalsPanel } from "./RefusalsPanel.tsx";
import { UptimeBar } from "./UptimeBar.tsx";

/** Props of {@linkcode StatusDashboard}. */
export interface StatusDashboardProps {
  /** The live status: the big numbers, the health, the last 15 minutes. */
  status: StatusResponse;
  mode: LiveStatusMode;
  /** The chosen range. */
  range: StatusRange;
  /** Its stored history, uptime and incidents; null when the store could not be read. */
  stored: StatusRangeData | null;
  /** Whether `stored` is the chosen range's. Default: `ready` when there is one. */
  storedState?: StatusRangesState;
  /** In the browser: choose a range without reloading. */
  onSelectRange?: (range: StatusRange) => void;
  /** Admins in the browser: add a note to an incident. */
  onAddNote?: AddNote;
}

/** "last 15 min", or less while the live history is still filling up. */
function liveWindowWords(history: StatusHistory): string {
  const { t } = history;
  if (t.length === 0) return "history starts now";
  // Each sample stands for the interval before it.
  const covered = Math.min(STATUS_HISTORY_SPAN_MS, t[t.length - 1] - t[0] + history.interval_ms);
  return `last ${formatDuration(covered / 1_000)}`;
}

/** What the charts draw: the live samples, or the chosen range's stored points. */
interface Charts {
  history: StatusHistory;
  spanMs: number;
  domain?: Domain;
  /** "last 24 h" */
  window: string;
  /** ", peak per 5 min": how a stored point sums up its bucket ("" for live samples). */
  per: (how: string) => string;
}

function chartsOf(status: StatusResponse, range: StatusRange, stored: StatusRangeData | null) {
  const spec = STATUS_RANGE_SPECS[range];
  if (spec.source === "live" || !stored || stored.range.name !== range) {
    return {
      history: status.history,
      spanMs: STATUS_HISTORY_SPAN_MS,
      window: liveWindowWords(status.history),
      per: () => "",
    } satisfies Charts;
  }
  const every = formatDuration(stored.range.bucket_ms / 1_000);
  return {
    history: stored.history,
    spanMs: spec.spanMs,
    domain: { min: stored.range.from, max: stored.range.to },
    window: `last ${spec.label}`,
    per: (how: string) => `, ${how} per ${every}`,
  } satisfies Charts;
}

function peak(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

/**
 * The whole status board: rendered by the server as the page (for the range
 * in the URL), then by the StatusBoard island as the live status and the
 * chosen range bring news.
 *
 * @example
 * ```tsx
 * <StatusDashboard status={summary} mode="idle" range="24h" stored={data} />
 * ```
 */
export function StatusDashboard(props: StatusDashboardProps) {
  const { status, mode, range, stored } = props;
  const storedState = props.storedState ?? (stored ? "ready" : "unavailable");
  const charts = chartsOf(status, range, stored);
  const now = status.server_time;
  const { recent } = status;
  const recentWindow = `last ${formatDuration(recent.window_s)}`;
  const common = {
    times: charts.history.t,
    spanMs: charts.spanMs,
    intervalMs: charts.history.interval_ms,
    domain: charts.domain,
  };
  const peakNote = (values: readonly number[]) => {
    const highest = peak(values);
    return highest === null || !charts.domain
      ? charts.window
      : `peak ${formatCount(highest)} in the ${charts.window}`;
  };
  const perSecond = recent.messages / recent.window_s;
  const messagesNote = recent.messages > 0
    ? perSecond >= 1
      ? `${formatRate(perSecond)} per second on average`
      : `${formatRate(perSecond * 60)} per minute on average`
    : status.last_message_at !== null
    ? `last one ${formatAgo(status.last_message_at, now)}`
    : "none recorded yet";
  const delivered = recent.deliveries > 0;
  const latencyValue = delivered
    ? formatMillis(recent.delivery_ms.p99)
    : status.last_delivery
    ? formatMillis(status.last_delivery.p99)
    : NO_VALUE;
  const latencyNote = delivered
    ? `median ${formatMillis(recent.delivery_ms.p50)} over ${formatCount(recent.deliveries)} ${
      recent.deliveries === 1 ? "delivery" : "deliveries"
    }`
    : status.last_delivery
    ? `measured ${formatAgo(status.last_delivery.at, now)}; no deliveries since`
    : "no deliveries recorded yet";
  const waiting = storedState === "loading" || !stored || stored.range.name !== range;
  // The isolates panel moves by view: for the public it is one sentence that fits the
  // side column; for admins it is a wide table, which gets the full width below the
  // columns while the busiest rooms take its place beside the latency chart.
  return (
    <div
      class="status-board"
      data-view={status.view}
      data-range={range}
      aria-busy={storedState === "loading"}
    >
      <div class="status-titlebar">
        <h1>Switchboard status</h1>
        <FeedState mode={mode} asOf={now} intervalMs={status.history.interval_ms} />
      </div>
      <div class="range-bar">
        <RangePicker range={range} onSelect={props.onSelectRange} />
        <p class="range-state" data-range-state={storedState} aria-live="polite">
          {storedState === "loading" && `Loading the last ${STATUS_RANGE_SPECS[range].label}…`}
          {storedState === "unavailable" &&
            "The stored history cannot be read right now; the charts show the last 15 minutes."}
        </p>
      </div>
      <HealthBanner status={status} />
      <section class="metric-grid" aria-label="Key numbers">
        <MetricCard
          {...common}
          name="connections"
          label="Connections open now"
          value={formatCount(status.connections)}
          note={peakNote(charts.history.connections)}
          values={charts.history.connections}
          chartLabel={`Connections${charts.per("peak")}, ${charts.window}`}
          format={formatCount}
        />
        <MetricCard
          {...common}
          name="users"
          label="Users online now"
          value={formatCount(status.users_online)}
          note={peakNote(charts.history.users_online)}
          values={charts.history.users_online}
          chartLabel={`Users online${charts.per("peak")}, ${charts.window}`}
          format={formatCount}
        />
        <MetricCard
          {...common}
          name="messages"
          label={`Messages in the ${recentWindow}`}
          value={formatCount(recent.messages)}
          note={messagesNote}
          values={charts.history.messages_per_second}
          chartLabel={`Messages per second${charts.per("average")}, ${charts.window}`}
          format={formatRate}
        />
        <MetricCard
          {...common}
          name="latency"
          label={`Delivery p99, ${recentWindow}`}
          value={latencyValue}
          note={latencyNote}
          values={charts.history.delivery_p99_ms}
          chartLabel={`Delivery p99${charts.per("over every delivery")}, ${charts.window}`}
          format={formatMillis}
        />
      </section>
      <div class="status-columns">
        <section class="panel" aria-labelledby="latency-title">
          <header class="panel-head">
            <h2 id="latency-title">Delivery latency</h2>
            <p class="panel-sub">from a send to the last local write · {charts.window}</p>
          </header>
          <LatencyChart
            history={charts.history}
            spanMs={charts.spanMs}
            domain={charts.domain}
            window={charts.window}
            now={now}
          />
        </section>
        <div class="side-stack">
          <RefusalsPanel status={status} />
          {status.view === "admin"
            ? <BusiestRooms rooms={status.busiest_rooms} />
            : <IsolatesTable status={status} />}
        </div>
      </div>
      {stored && <UptimeBar days={stored.uptime} />}
      {stored && (
        <IncidentsPanel
          incidents={stored.incidents}
          now={now}
          onAddNote={status.view === "admin" ? props.onAddNote : undefined}
        />
      )}
      {stored?.drilldown && !waiting && (
        <DrilldownPanel
          drilldown={stored.drilldown}
          window={charts.window}
          intervalMs={stored.drilldown.interval_ms}
          spanMs={STATUS_RANGE_SPECS[range].spanMs}
          domain={{ min: stored.range.from, max: stored.range.to }}
        />
      )}
      {status.view === "admin" && <IsolatesTable status={status} />}
    </div>
  );
}

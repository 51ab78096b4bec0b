import type { Drilldown, DrilldownRow } from "../../lib/protocol/status.ts";
import type { Domain } from "./chart_math.ts";
import { formatCount, formatMillis, formatRate } from "./format.ts";
import { Sparkline } from "./Sparkline.tsx";

/** Props of {@linkcode DrilldownPanel}. */
export interface DrilldownPanelProps {
  drilldown: Drilldown;
  /** The range in words ("last 24 h"). */
  window: string;
  /** One point of the rows' series stands for this long. */
  intervalMs: number;
  spanMs: number;
  domain: Domain;
}

function RowsTable(
  { caption, keyName, rows, props }: {
    caption: string;
    keyName: string;
    rows: readonly DrilldownRow[];
    props: DrilldownPanelProps;
  },
) {
  if (rows.length === 0) {
    return <p class="panel-note">{caption}: nothing recorded in the {props.window}.</p>;
  }
  return (
    <div class="table-scroll">
      <table class="data-table drilldown">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{keyName}</th>
            <th scope="col" class="num">Peak connections</th>
            <th scope="col" class="num">Messages / s (average)</th>
            <th scope="col" class="num">Delivery p99</th>
            <th scope="col" class="num">Error frames</th>
            <th scope="col">Messages / s over time</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-row={row.key}>
              <th scope="row">
                <code>{row.key}</code>
                {row.label !== row.key && <span class="cell-sub">{row.label}</span>}
              </th>
              <td class="num">{formatCount(row.connections)}</td>
              <td class="num">{formatRate(row.messages_per_second)}</td>
              <td class="num">
                {row.delivery_p99_ms === null ? "no deliveries" : formatMillis(row.delivery_p99_ms)}
              </td>
              <td class="num">{formatCount(row.errors)}</td>
              <td class="drill-trend">
                <Sparkline
                  times={props.drilldown.t}
                  values={row.series}
                  spanMs={props.spanMs}
                  intervalMs={props.intervalMs}
                  domain={props.domain}
                  label={`${row.key}, messages per second, ${props.window}`}
                  format={formatRate}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The chosen range by isolate and by room, for admins: each one's peak
 * connections, average messages per second, delivery p99 and error frames,
 * with its messages per second over the range. Isolates are the 16 with the
 * most connections, rooms the 10 with the most messages (the history keeps
 * no more).
 *
 * @example
 * ```tsx
 * <DrilldownPanel drilldown={data.drilldown} window="last 24 h" intervalMs={300_000}
 *   spanMs={86_400_000} domain={{ min: data.range.from, max: data.range.to }} />
 * ```
 */
export function DrilldownPanel(props: DrilldownPanelProps) {
  return (
    <section class="panel" aria-labelledby="drilldown-title">
      <header class="panel-head">
        <h2 id="drilldown-title">By isolate and by room</h2>
        <p class="panel-sub">{props.window} · admins only</p>
      </header>
      <div class="drilldown-tables">
        <RowsTable
          caption="Isolates (the 16 with the most connections)"
          keyName="Isolate"
          rows={props.drilldown.instances}
          props={props}
        />
        <RowsTable
          caption="Rooms (the 10 with the most messages)"
          keyName="Room"
          rows={props.drilldown.rooms}
          props={props}
        />
      </div>
    </section>
  );
}

import type { StatusResponse } from "../../lib/protocol/status.ts";
import { formatCount, formatRate, refusalLabel } from "./format.ts";

/**
 * Connections refused before a session started, by reason, as labelled bars
 * (the count is written next to each bar, so the bar is only a help).
 * Admins only; the public view says so.
 *
 * @example
 * ```tsx
 * <RefusalsPanel status={status} />
 * ```
 */
export function RefusalsPanel({ status }: { status: StatusResponse }) {
  const refused = status.view === "admin"
    ? Object.entries(status.refusals)
      .filter(([, count]) => count > 0)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    : [];
  const most = Math.max(1, ...refused.map(([, count]) => count));
  return (
    <section class="panel" aria-labelledby="refusals-title">
      <header class="panel-head">
        <h2 id="refusals-title">Refused connections</h2>
        {status.view === "admin" && (
          <p class="panel-sub">{formatRate(status.refusals_per_second)}/s now</p>
        )}
      </header>
      {status.view !== "admin" && <p class="panel-note">Refusals by reason are shown to admins.</p>}
      {status.view === "admin" && refused.length === 0 && (
        <p class="panel-note">No connection has been refused since the isolates started.</p>
      )}
      {refused.length > 0 && (
        <ul class="bars">
          {refused.map(([reason, count]) => (
            <li key={reason} data-reason={reason}>
              <span class="bar-label">{refusalLabel(reason)}</span>
              <span class="bar-count">{formatCount(count)}</span>
              <span class="bar-track" aria-hidden="true">
                <span class="bar-fill" style={{ width: `${(count / most) * 100}%` }} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import type { UptimeDay } from "../../lib/protocol/status.ts";
import { formatDay, formatPercent } from "./format.ts";

const SHARES = ["ok", "degraded", "down", "no_data"] as const;
/** Bottom to top: the bad minutes first, so that even one of them shows. */
const STACKED = ["down", "degraded", "ok", "no_data"] as const;
const WORDS: Record<typeof SHARES[number], string> = {
  ok: "ok",
  degraded: "degraded",
  down: "down",
  no_data: "no data",
};

/** A day's shares of minutes in words, as its label says them. */
export function describeDay(day: UptimeDay): string {
  const total = day.ok + day.degraded + day.down + day.no_data;
  const share = (minutes: number) => formatPercent(total > 0 ? minutes / total : 0);
  return `${formatDay(day.day)}: ${
    SHARES.map((name) => `${share(day[name])} ${WORDS[name]}`).join(", ")
  }`;
}

/** The worst state a day saw, or no data at all (`data-state`, for tests and styles). */
function dayState(day: UptimeDay): string {
  if (day.down > 0) return "down";
  if (day.degraded > 0) return "degraded";
  if (day.ok > 0) return "ok";
  return "no-data";
}

/**
 * The uptime bar: one column per UTC day for 90 days, each split by the
 * share of its minutes that were ok, degraded, down or not recorded (a
 * degraded or down minute shows however few there were). Each day says its shares in words (a title
 * on hover, and text for screen readers); the total is said above.
 *
 * @example
 * ```tsx
 * <UptimeBar days={data.uptime} />
 * ```
 */
export function UptimeBar({ days }: { days: readonly UptimeDay[] }) {
  const recorded = days.reduce((sum, day) => sum + day.ok + day.degraded + day.down, 0);
  const ok = days.reduce((sum, day) => sum + day.ok, 0);
  const withoutData = days.filter((day) => day.ok + day.degraded + day.down === 0).length;
  return (
    <section class="panel uptime" aria-labelledby="uptime-title">
      <header class="panel-head">
        <h2 id="uptime-title">Uptime, last {days.length} days</h2>
        <p class="panel-sub" data-uptime-total>
          {recorded > 0
            ? `${formatPercent(ok / recorded)} of recorded minutes ok`
            : "nothing recorded yet"}
          {withoutData > 0 &&
            ` · ${withoutData} ${withoutData === 1 ? "day" : "days"} without data`}
        </p>
      </header>
      <ol class="uptime-bar" aria-label="Each day's minutes by status, oldest first">
        {days.map((day) => {
          const total = Math.max(1, day.ok + day.degraded + day.down + day.no_data);
          const label = describeDay(day);
          return (
            <li key={day.day} class="uptime-day" data-state={dayState(day)} title={label}>
              {STACKED.map((name) =>
                day[name] > 0 && (
                  <span
                    key={name}
                    class={`uptime-share share-${name}`}
                    style={{ height: `${(day[name] / total) * 100}%` }}
                    aria-hidden="true"
                  />
                )
              )}
              <span class="visually-hidden">{label}</span>
            </li>
          );
        })}
      </ol>
      <div class="uptime-axis" aria-hidden="true">
        <span>{days.length} days ago</span>
        <span>today</span>
      </div>
      <p class="chart-legend uptime-legend" aria-hidden="true">
        {SHARES.map((name) => (
          <span key={name} class={`legend-key legend-${name}`}>{WORDS[name]}</span>
        ))}
      </p>
    </section>
  );
}

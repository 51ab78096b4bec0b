import type { StatusResponse } from "../../lib/protocol/status.ts";
import { formatDuration, HEALTH_WORDS } from "./format.ts";

const ICONS = {
  ok: <path d="M7 12.5l3.2 3.2L17 9" />,
  degraded: <path d="M12 7.5v6M12 16.5v.01" />,
  down: <path d="M8.5 8.5l7 7M15.5 8.5l-7 7" />,
} as const;

/**
 * The overall state, said three ways at once: color, an icon whose shape
 * differs per state, and words (the state, a headline and every reason);
 * beside it the isolates reporting, the rooms with someone in them and how
 * long the oldest isolate has been running, each labelled with what it counts.
 *
 * @example
 * ```tsx
 * <HealthBanner status={status} />
 * ```
 */
export function HealthBanner({ status }: { status: StatusResponse }) {
  const words = HEALTH_WORDS[status.status];
  return (
    <section
      class={`health health-${status.status}`}
      data-status={status.status}
      aria-labelledby="health-headline"
    >
      <svg class="health-icon" viewBox="0 0 24 24" aria-hidden="true">
        <circle cx="12" cy="12" r="10" />
        {ICONS[status.status]}
      </svg>
      <div class="health-text">
        <p class="health-state">
          Status: <strong>{words.label}</strong>
        </p>
        <h2 id="health-headline" aria-live="polite">{words.headline}</h2>
        {status.reasons.length > 0 && (
          <ul class="health-reasons">
            {status.reasons.map((reason) => <li key={reason}>{reason}</li>)}
          </ul>
        )}
      </div>
      <dl class="health-facts">
        <div>
          <dt>Isolates reporting now</dt>
          <dd data-fact="isolates">{status.isolates_up}</dd>
        </div>
        <div>
          <dt>Rooms in use now</dt>
          <dd data-fact="rooms">{status.rooms}</dd>
        </div>
        <div>
          <dt>Running for</dt>
          <dd data-fact="uptime">{formatDuration(status.uptime_s)}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd data-fact="version">
            {status.version} <span class="muted">({status.build_id})</span>
          </dd>
        </div>
      </dl>
    </section>
  );
}

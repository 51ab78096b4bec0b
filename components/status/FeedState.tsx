import type { LiveStatusMode } from "../../lib/client/live_status.ts";
import { formatDuration } from "./format.ts";

/** Props of {@linkcode FeedState}. */
export interface FeedStateProps {
  mode: LiveStatusMode;
  /** The status's `server_time`. */
  asOf: number;
  /** The polling interval. */
  intervalMs: number;
}

const time = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZone: "UTC",
});

/**
 * Says where the numbers come from and how fresh they are. Without
 * JavaScript the page stays in mode `idle`, a snapshot, and offers a reload.
 *
 * @example
 * ```tsx
 * <FeedState mode={live.mode.value} asOf={status.server_time} intervalMs={5_000} />
 * ```
 */
export function FeedState({ mode, asOf, intervalMs }: FeedStateProps) {
  const stamp = <time dateTime={new Date(asOf).toISOString()}>{time.format(asOf)} UTC</time>;
  const words = {
    idle: (
      <>
        Snapshot as of {stamp} · <a href="">reload</a>
      </>
    ),
    waiting: <>Connecting… numbers as of {stamp}</>,
    live: <>Live · as of {stamp}</>,
    polling: <>Updating every {formatDuration(intervalMs / 1_000)} · as of {stamp}</>,
    unreachable: <>Can't reach the server, retrying · numbers as of {stamp}</>,
  }[mode];
  return (
    <p class={`feed-state feed-${mode}`} data-feed-mode={mode}>
      <span class="feed-dot" aria-hidden="true" />
      <span>{words}</span>
    </p>
  );
}

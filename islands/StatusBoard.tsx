import { effect } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { StatusDashboard } from "../components/status/StatusDashboard.tsx";
import { createLiveStatus, type LiveStatus } from "../lib/client/live_status.ts";
import { getPageClient } from "../lib/client/page_client.ts";
import { createStatusRanges, type StatusRanges } from "../lib/client/status_ranges.ts";
import type { StatusRangeData, StatusResponse } from "../lib/protocol/status.ts";
import {
  DEFAULT_STATUS_RANGE,
  parseStatusRange,
  type StatusRange,
} from "../lib/protocol/status_range.ts";
import { createSystemClock } from "../lib/time/clock.ts";

/** Props of {@linkcode StatusBoard}. */
export interface StatusBoardProps {
  /** The live status the server rendered the page with. */
  initial: StatusResponse;
  /** The range in the page's URL. */
  range: StatusRange;
  /** That range's stored history, as rendered; null when the store could not be read. */
  stored: StatusRangeData | null;
  /** Whether this browser has signed in: only then is there a connection to push status on. */
  signedIn: boolean;
}

/** The range a URL's query asks for, the default when it asks for none it knows. */
function rangeOf(search: string): StatusRange {
  return parseStatusRange(new URLSearchParams(search).get("range")) ?? DEFAULT_STATUS_RANGE;
}

/**
 * The live status board. The server renders it with `initial` and `stored`
 * (a complete page without JavaScript, the range links included); in the
 * browser it renders the live status (`lib/client/live_status.ts`) and the
 * chosen range (`lib/client/status_ranges.ts`): a range link is read without
 * a reload and put in the URL, and Back goes to the range before. An admin's
 * board reads the range with the admin's token (for the drill-down) and can
 * add notes to incidents. A visitor who never signed in only polls, so the
 * page asks for no token.
 */
export default function StatusBoard({ initial, range, stored, signedIn }: StatusBoardProps) {
  // Created once the island runs in the browser, so hydration renders the server's markup.
  const [live, setLive] = useState<{ status: LiveStatus; ranges: StatusRanges } | null>(null);
  useEffect(() => {
    const clock = createSystemClock();
    const client = signedIn ? getPageClient() : null;
    const status = createLiveStatus({ initial, clock, push: client ?? undefined });
    const ranges = createStatusRanges({
      range,
      initial: stored,
      clock,
      getToken: async () =>
        client?.user.peek()?.role === "admin" ? await client.accessToken() : null,
    });
    status.start();
    ranges.start();
    // The server rendered the public view; an admin's board reads it again with the drill-down.
    let readAsAdmin = false;
    const stopWatchingRole = effect(() => {
      if (client?.user.value?.role !== "admin" || readAsAdmin) return;
      readAsAdmin = true;
      ranges.refresh();
    });
    const onBack = () => ranges.select(rangeOf(location.search));
    addEventListener("popstate", onBack);
    setLive({ status, ranges });
    return () => {
      removeEventListener("popstate", onBack);
      stopWatchingRole();
      ranges.stop();
      status.stop();
    };
  }, []);

  const select = (next: StatusRange) => {
    if (!live) return;
    const url = new URL(location.href);
    url.searchParams.set("range", next);
    if (url.href !== location.href) history.pushState(null, "", url);
    live.ranges.select(next);
  };

  return (
    <StatusDashboard
      status={live?.status.status.value ?? initial}
      mode={live?.status.mode.value ?? "idle"}
      range={live?.ranges.range.value ?? range}
      stored={live ? live.ranges.data.value : stored}
      storedState={live?.ranges.state.value}
      onSelectRange={live ? select : undefined}
      onAddNote={live?.ranges.addNote}
    />
  );
}

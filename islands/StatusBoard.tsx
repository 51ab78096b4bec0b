import { useEffect, useState } from "preact/hooks";
import { StatusDashboard } from "../components/status/StatusDashboard.tsx";
import { createLiveStatus, type LiveStatus } from "../lib/client/live_status.ts";
import { getPageClient } from "../lib/client/page_client.ts";
import type { StatusResponse } from "../lib/protocol/status.ts";
import { createSystemClock } from "../lib/time/clock.ts";

/** Props of {@linkcode StatusBoard}. */
export interface StatusBoardProps {
  /** The status the server rendered the page with. */
  initial: StatusResponse;
}

/**
 * The live status board. The server renders it with `initial` (a complete
 * page without JavaScript); in the browser it renders the live status:
 * `status` frames over the page's shared connection, or polling
 * `GET /api/status` while none arrive (see `lib/client/live_status.ts`).
 */
export default function StatusBoard({ initial }: StatusBoardProps) {
  // Created once the island runs in the browser, so hydration renders the server's markup.
  const [live, setLive] = useState<LiveStatus | null>(null);
  useEffect(() => {
    const started = createLiveStatus({
      initial,
      clock: createSystemClock(),
      push: getPageClient(),
    });
    started.start();
    setLive(started);
    return () => started.stop();
  }, []);
  return (
    <StatusDashboard status={live?.status.value ?? initial} mode={live?.mode.value ?? "idle"} />
  );
}

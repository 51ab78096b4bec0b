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
  /** Whether this browser has signed in: only then is there a connection to push status on. */
  signedIn: boolean;
}

/**
 * The live status board. The server renders it with `initial` (a complete
 * page without JavaScript); in the browser it renders the live status:
 * `status` frames over the page's shared connection, or polling
 * `GET /api/status` while none arrive (see `lib/client/live_status.ts`). A
 * visitor who never signed in only polls, so the page asks for no token.
 */
export default function StatusBoard({ initial, signedIn }: StatusBoardProps) {
  // Created once the island runs in the browser, so hydration renders the server's markup.
  const [live, setLive] = useState<LiveStatus | null>(null);
  useEffect(() => {
    const started = createLiveStatus({
      initial,
      clock: createSystemClock(),
      push: signedIn ? getPageClient() : undefined,
    });
    started.start();
    setLive(started);
    return () => started.stop();
  }, []);
  return (
    <StatusDashboard status={live?.status.value ?? initial} mode={live?.mode.value ?? "idle"} />
  );
}

import { effect, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { StatusView } from "../components/status/StatusView.tsx";
import { getPageClient } from "../lib/client/page_client.ts";
import { createStatusFeed, type StatusFeedMode } from "../lib/client/status_feed.ts";
import type { StatusResponse } from "../lib/protocol/status.ts";
import { createSystemClock } from "../lib/time/clock.ts";

/** Props of {@linkcode StatusBoard}. */
export interface StatusBoardProps {
  /** The status the server rendered the page with. */
  initial: StatusResponse;
}

/**
 * The live status board. The server renders it with `initial` (a complete
 * page without JavaScript); in the browser it follows a status feed: `status`
 * frames over the page's shared connection, or polling `GET /api/status`
 * while none arrive (see `lib/client/status_feed.ts`).
 */
export default function StatusBoard({ initial }: StatusBoardProps) {
  const status = useSignal<StatusResponse>(initial);
  const mode = useSignal<StatusFeedMode>("idle");
  useEffect(() => {
    const feed = createStatusFeed({ initial, clock: createSystemClock(), push: getPageClient() });
    const stopCopying = effect(() => {
      status.value = feed.status.value;
      mode.value = feed.mode.value;
    });
    feed.start();
    return () => {
      feed.stop();
      stopCopying();
    };
  }, []);
  return <StatusView status={status.value} mode={mode.value} />;
}

/**
 * Hooks the chat islands share: the page's client, and a clock that ticks
 * while a countdown is on screen.
 *
 * @example
 * ```tsx
 * const client = usePageClient(); // null on the server and in the first render
 * const now = useNow(client?.nextRetryAt.value !== null);
 * ```
 */
import { useEffect, useState } from "preact/hooks";
import type { ChatClient } from "../../lib/client/client.ts";
import { getPageClient } from "../../lib/client/page_client.ts";
import { createSystemClock } from "../../lib/time/clock.ts";

/**
 * The page's client once the island runs in the browser; null while rendering
 * on the server and during hydration, so both render the same markup.
 */
export function usePageClient(): ChatClient | null {
  const [client, setClient] = useState<ChatClient | null>(null);
  useEffect(() => setClient(getPageClient()), []);
  return client;
}

const clock = createSystemClock();

/** The current time, updated every second while `ticking`. */
export function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => {
    setNow(clock.now());
    if (!ticking) return;
    const id = clock.setInterval(() => setNow(clock.now()), 1_000);
    return () => clock.clearInterval(id);
  }, [ticking]);
  return now;
}

/**
 * The wait before the next connection attempt, and the network's say in it:
 * while offline there is no point in trying, so the wait is paused; when the
 * network comes back or the page becomes visible again (a laptop waking up),
 * the client is told at once instead of waiting out a long backoff.
 *
 * Every new wait, or its cancellation, also makes stale whatever async work
 * (a token fetch, a token refresh) was started before it: see `watch()`.
 *
 * @example
 * ```ts
 * const retry = createRetrySchedule({
 *   clock, log, pageEvents,
 *   onDue: () => startAttempt("retry"),
 *   onWake: (reason) => startAttempt(reason),
 * });
 * retry.start(2_000); // retry.nextRetryAt.value is now + 2 000
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { Clock, TimerId } from "../time/clock.ts";
import type { PageEvent, PageEvents } from "./page_events.ts";

/** Options of {@linkcode createRetrySchedule}. */
export interface RetryScheduleOptions {
  clock: Clock;
  log: (line: string) => void;
  pageEvents: PageEvents;
  /** The wait is over. */
  onDue(): void;
  /** The network came back, or the page became visible again. */
  onWake(reason: string): void;
}

/** The wait between attempts. */
export interface RetrySchedule {
  /** When the wait ends (epoch ms); null unless waiting. */
  readonly nextRetryAt: ReadonlySignal<number | null>;
  readonly online: ReadonlySignal<boolean>;
  /** Calls `onDue` after `delayMs`; while offline, waits for the network instead. */
  start(delayMs: number): void;
  /** Ends the wait without calling `onDue`, and makes every earlier `watch()` stale. */
  cancel(): void;
  /** Whether async work begun now is still wanted: true until the next `start` or `cancel`. */
  watch(): () => boolean;
  /** Stops listening to page events. */
  dispose(): void;
}

/**
 * Creates a {@linkcode RetrySchedule}, not waiting, listening to `pageEvents`.
 *
 * @example
 * ```ts
 * const retry = createRetrySchedule({ clock, log, pageEvents, onDue, onWake });
 * const stillWanted = retry.watch();
 * const token = await getToken();
 * if (stillWanted()) open(token);
 * ```
 */
export function createRetrySchedule(options: RetryScheduleOptions): RetrySchedule {
  const { clock, log } = options;
  const nextRetryAt = signal<number | null>(null);
  const online = signal(options.pageEvents.isOnline());
  let timer: TimerId | null = null;
  let generation = 0;

  const cancel = () => {
    generation++;
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    nextRetryAt.value = null;
  };

  const onPageEvent = (event: PageEvent) => {
    if (event === "hidden") return;
    if (event === "offline") {
      online.value = false;
      if (timer !== null) {
        cancel();
        log("switchboard: offline, reconnect paused");
      }
      return;
    }
    if (event === "online") online.value = true;
    options.onWake(event === "online" ? "back online" : "page visible again");
  };
  const unsubscribe = options.pageEvents.subscribe(onPageEvent);

  return {
    nextRetryAt,
    online,
    start(delayMs) {
      cancel();
      if (!online.peek()) {
        log("switchboard: offline, waiting for the network");
        return;
      }
      nextRetryAt.value = clock.now() + delayMs;
      timer = clock.setTimeout(() => {
        timer = null;
        options.onDue();
      }, delayMs);
    },
    cancel,
    watch() {
      const watched = generation;
      return () => generation === watched;
    },
    dispose: unsubscribe,
  };
}

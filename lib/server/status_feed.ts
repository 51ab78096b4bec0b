/**
 * Live status over a connection (the protocol extension `subscribe_status`):
 * a subscriber gets one `status` frame at once and then one every interval,
 * until it unsubscribes or closes. Each subscriber has a view: admins get the
 * detail, everyone else the public summary. Each view that someone has is
 * built and serialized once per interval for all its subscribers, and the
 * timer runs only while someone is subscribed.
 *
 * @example
 * ```ts
 * const feed = createStatusFeed({ clock, intervalMs: 5_000, metrics, summarize });
 * feed.subscribe(connection, "s1"); // the public `status` with ref "s1" now, then every 5 s
 * feed.subscribe(admin, undefined, "admin"); // the detail
 * feed.unsubscribe(connection);
 * feed.close();
 * ```
 */
import type { ServerFrameOf, StatusResponse, StatusView } from "../protocol/mod.ts";
import type { Clock, TimerId } from "../time/clock.ts";
import type { SwitchboardMetrics } from "./metrics/mod.ts";

/** What the feed writes to: a connection. */
export interface StatusSubscriber {
  sendText(text: string): void;
}

/** Options of {@linkcode createStatusFeed}. */
export interface StatusFeedOptions {
  clock: Clock;
  /** How often subscribers get a frame; the snapshot publisher's interval. */
  intervalMs: number;
  metrics: Pick<SwitchboardMetrics, "framesSent">;
  /** The status as of now, in `view`: the summary for `public`, the detail for `admin`. */
  summarize(view: StatusView): StatusResponse;
}

/** The status subscriptions of one isolate. */
export interface StatusFeed {
  /** How many connections are subscribed. */
  readonly size: number;
  /**
   * Sends `status` in `view` (default `public`) now, with `ref`, then every
   * interval. Subscribing again sends one now, and keeps the latest view.
   */
  subscribe(subscriber: StatusSubscriber, ref?: string, view?: StatusView): void;
  /** Stops the frames; unknown subscribers are ignored. */
  unsubscribe(subscriber: StatusSubscriber): void;
  /** Drops every subscription and stops the timer. */
  close(): void;
}

/** Creates a {@linkcode StatusFeed} with no subscribers. */
export function createStatusFeed(options: StatusFeedOptions): StatusFeed {
  const { clock, intervalMs, metrics, summarize } = options;
  const subscribers = new Map<StatusSubscriber, StatusView>();
  let timer: TimerId | undefined;

  const frame = (view: StatusView, ref?: string): string =>
    JSON.stringify(
      {
        type: "status",
        summary: summarize(view),
        ...(ref === undefined ? {} : { ref }),
      } satisfies ServerFrameOf<"status">,
    );

  const tick = () => {
    const texts: Partial<Record<StatusView, string>> = {};
    for (const [subscriber, view] of subscribers) subscriber.sendText(texts[view] ??= frame(view));
    metrics.framesSent.labels("status").inc(subscribers.size);
  };

  const stopTimer = () => {
    if (timer !== undefined) clock.clearInterval(timer);
    timer = undefined;
  };

  return {
    get size() {
      return subscribers.size;
    },
    subscribe(subscriber, ref, view = "public") {
      subscribers.set(subscriber, view);
      timer ??= clock.setInterval(tick, intervalMs);
      subscriber.sendText(frame(view, ref));
      metrics.framesSent.labels("status").inc();
    },
    unsubscribe(subscriber) {
      subscribers.delete(subscriber);
      if (subscribers.size === 0) stopTimer();
    },
    close() {
      subscribers.clear();
      stopTimer();
    },
  };
}

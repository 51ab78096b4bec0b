/**
 * Live status over a connection (the protocol extension `subscribe_status`):
 * a subscriber gets one `status` frame at once, then one each time the
 * snapshot publisher takes a history sample, until it unsubscribes or closes.
 * The feed has no timer of its own: the publisher's tick calls
 * {@linkcode StatusFeed.sampleTaken}, so frames carry each sample as it is
 * taken.
 *
 * Each subscriber has a view (admins get the detail, everyone else the public
 * summary) and says whether it takes deltas: then only its first frame carries
 * the whole 15-minute history, and every later one only the sample just taken.
 * Each kind of frame someone needs is built and serialized once per sample for
 * all its subscribers.
 *
 * @example
 * ```ts
 * const feed = createStatusFeed({ metrics, summarize });
 * feed.subscribe(connection, { type: "subscribe_status", ref: "s1", delta: true }); // whole, now
 * feed.subscribe(admin, { type: "subscribe_status" }, "admin"); // the detail, whole every time
 * feed.sampleTaken(); // connection: the newest sample only; admin: the whole detail again
 * feed.unsubscribe(connection);
 * feed.close();
 * ```
 */
import type {
  ClientFrameOf,
  ServerFrameOf,
  StatusResponse,
  StatusView,
} from "../../protocol/mod.ts";
import { onlyNewestSample } from "../../protocol/status_history.ts";
import type { SwitchboardMetrics } from "../metrics/mod.ts";

/** What the feed writes to: a connection. */
export interface StatusSubscriber {
  sendText(text: string): void;
}

/** Options of {@linkcode createStatusFeed}. */
export interface StatusFeedOptions {
  metrics: Pick<SwitchboardMetrics, "framesSent">;
  /** The status as of now, in `view`: the summary for `public`, the detail for `admin`. */
  summarize(view: StatusView): StatusResponse;
}

/** The status subscriptions of one isolate. */
export interface StatusFeed {
  /** How many connections are subscribed. */
  readonly size: number;
  /**
   * Sends `status` in `view` (default `public`) now, with the request's `ref`,
   * then at every sample. Subscribing again sends one now (the whole history)
   * and keeps the latest view and choice of deltas.
   */
  subscribe(
    subscriber: StatusSubscriber,
    request: ClientFrameOf<"subscribe_status">,
    view?: StatusView,
  ): void;
  /** Stops the frames; unknown subscribers are ignored. */
  unsubscribe(subscriber: StatusSubscriber): void;
  /** The publisher just took a history sample: every subscriber gets its frame. */
  sampleTaken(): void;
  /** Drops every subscription. */
  close(): void;
}

interface Subscription {
  view: StatusView;
  delta: boolean;
}

function frameText(summary: StatusResponse, delta: boolean, ref?: string): string {
  const frame: ServerFrameOf<"status"> = {
    type: "status",
    summary,
    ...(delta ? { delta: true } : {}),
    ...(ref === undefined ? {} : { ref }),
  };
  return JSON.stringify(frame);
}

/**
 * Creates a {@linkcode StatusFeed} with no subscribers.
 *
 * @example
 * ```ts
 * const feed = createStatusFeed({ metrics, summarize: (view) => buildStatus(view) });
 * ```
 */
export function createStatusFeed(options: StatusFeedOptions): StatusFeed {
  const { metrics, summarize } = options;
  const subscriptions = new Map<StatusSubscriber, Subscription>();

  return {
    get size() {
      return subscriptions.size;
    },
    subscribe(subscriber, request, view = "public") {
      const delta = request.delta === true;
      subscriptions.set(subscriber, { view, delta });
      subscriber.sendText(frameText(summarize(view), false, request.ref));
      metrics.framesSent.labels("status").inc();
    },
    unsubscribe(subscriber) {
      subscriptions.delete(subscriber);
    },
    sampleTaken() {
      if (subscriptions.size === 0) return;
      const summaries: Partial<Record<StatusView, StatusResponse>> = {};
      const texts = new Map<string, string>();
      for (const [subscriber, { view, delta }] of subscriptions) {
        const kind = `${view}:${delta}`;
        let text = texts.get(kind);
        if (text === undefined) {
          const summary = summaries[view] ??= summarize(view);
          text = frameText(delta ? onlyNewestSample(summary) : summary, delta);
          texts.set(kind, text);
        }
        subscriber.sendText(text);
      }
      metrics.framesSent.labels("status").inc(subscriptions.size);
    },
    close() {
      subscriptions.clear();
    },
  };
}

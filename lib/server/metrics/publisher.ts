/**
 * Tells the cluster about this isolate every few seconds, and feeds what the
 * others tell into the {@linkcode ClusterView}. It knows no transport: the
 * server passes `publish` (to the cluster's `metrics` shares) and calls
 * `receive` (on arrival).
 *
 * Each tick takes this isolate's snapshot, puts it into the local view, hands
 * it to `publish`, then samples the view for the history and tells `onSample`
 * (the live status feed follows this one timer). A snapshot stays
 * valid for `ttlMs` (three intervals by default), so one lost message does not
 * drop an isolate, but a stopped one is gone within seconds.
 *
 * @example
 * ```ts
 * const publisher = createSnapshotPublisher({
 *   clock, intervalMs: 5_000, metrics, view,
 *   publish: (snapshot) => channel.postMessage({ kind: "metrics", snapshot }),
 *   onSample: () => statusFeed.sampleTaken(),
 * });
 * channel.onmessage = (event) => publisher.receive(event.data.snapshot);
 * publisher.start();
 * ```
 */
import type { Clock, TimerId } from "../../time/clock.ts";
import type { ClusterView } from "./cluster_view.ts";
import type { IsolateSnapshot } from "./snapshot.ts";
import type { SwitchboardMetrics } from "./switchboard_metrics.ts";

/** Options of {@linkcode createSnapshotPublisher}. */
export interface SnapshotPublisherOptions {
  clock: Clock;
  /** How often to publish. */
  intervalMs: number;
  /** How long a snapshot stays valid at the receiver. Default 3 × `intervalMs`. */
  ttlMs?: number;
  metrics: Pick<SwitchboardMetrics, "snapshot">;
  view: ClusterView;
  /** Sends a snapshot to the other isolates. A throw is reported, never propagated. */
  publish: (snapshot: IsolateSnapshot) => void;
  /** Told when `publish` throws; the next tick tries again. */
  onPublishError?: (error: unknown) => void;
  /** Called after each history sample, once per interval. */
  onSample?: () => void;
}

/** The states of a publisher: it publishes only while started. */
export type PublisherState = "idle" | "started" | "stopped";

/** A running publisher. */
export interface SnapshotPublisher {
  readonly state: PublisherState;
  /** Publishes at once, then every interval. Starting twice is a no-op; a stopped one stays stopped. */
  start(): void;
  /** Publishes one snapshot now (after a drain begins, so peers see it at once). */
  publishNow(): void;
  /** A snapshot from another isolate; false when it was not a valid, newer one. */
  receive(snapshot: unknown): boolean;
  /** Stops the timer. */
  stop(): void;
}

/** Creates a {@linkcode SnapshotPublisher}, idle until started. */
export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const { clock, intervalMs, metrics, view, publish } = options;
  if (!(intervalMs > 0)) throw new RangeError("intervalMs must be positive");
  const ttlMs = options.ttlMs ?? 3 * intervalMs;
  let state: PublisherState = "idle";
  let timer: TimerId | undefined;

  const publishSnapshot = () => {
    const snapshot = metrics.snapshot({ ttlMs });
    view.receive(snapshot);
    try {
      publish(snapshot);
    } catch (error) {
      options.onPublishError?.(error);
    }
  };
  // History samples stay one interval apart, whatever publishNow adds in between.
  const tick = () => {
    publishSnapshot();
    view.sample();
    options.onSample?.();
  };

  return {
    get state() {
      return state;
    },
    start() {
      if (state !== "idle") return;
      state = "started";
      tick();
      timer = clock.setInterval(tick, intervalMs);
    },
    publishNow() {
      if (state === "started") publishSnapshot();
    },
    receive: (snapshot) => view.receive(snapshot),
    stop() {
      if (timer !== undefined) clock.clearInterval(timer);
      timer = undefined;
      state = "stopped";
    },
  };
}

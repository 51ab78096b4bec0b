/**
 * The `status` frames a client asks for on behalf of its readers (a protocol
 * extension): asked for while at least one reader is subscribed, asked for
 * again after every reconnect, and cleared when the last reader leaves.
 *
 * @example
 * ```ts
 * const subscription = createStatusSubscription((frame) => connection.send(frame));
 * const stop = subscription.subscribe(); // sends `subscribe_status` if connected
 * subscription.receive(frame.summary);   // subscription.status.value is the summary
 * stop();                                // sends `unsubscribe_status`, status is null
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { ClientFrameOf, StatusResponse } from "../protocol/mod.ts";

/** Sends a frame if connected; false when it could not. */
export type StatusFrameSender = (
  frame: ClientFrameOf<"subscribe_status"> | ClientFrameOf<"unsubscribe_status">,
) => boolean;

/** The subscription and the latest status it brought. */
export interface StatusSubscription {
  /** The latest `status` frame's summary while subscribed; null when not subscribed. */
  readonly status: ReadonlySignal<StatusResponse | null>;
  /** Adds a reader; the returned function removes it (calling it again does nothing). */
  subscribe(): () => void;
  /** A connection is ready: asks for `status` frames again if anyone reads them. */
  resubscribe(): void;
  /** A `status` frame arrived. */
  receive(summary: StatusResponse): void;
}

/**
 * Creates a {@linkcode StatusSubscription} without readers.
 *
 * @example
 * ```ts
 * const subscription = createStatusSubscription(() => false);
 * ```
 */
export function createStatusSubscription(send: StatusFrameSender): StatusSubscription {
  const status = signal<StatusResponse | null>(null);
  let readers = 0;

  return {
    status,
    subscribe() {
      if (readers++ === 0) send({ type: "subscribe_status" });
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        if (--readers > 0) return;
        send({ type: "unsubscribe_status" });
        status.value = null;
      };
    },
    resubscribe() {
      if (readers > 0) send({ type: "subscribe_status" });
    },
    receive: (summary) => void (status.value = summary),
  };
}

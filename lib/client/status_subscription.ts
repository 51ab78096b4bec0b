/**
 * The `status` frames a client asks for on behalf of its readers (a protocol
 * extension): asked for while at least one reader is subscribed, asked for
 * again after every reconnect, and dropped when the last reader leaves.
 *
 * It asks for deltas: the first frame after each `subscribe_status` carries
 * the whole history, every later one only the samples taken since, which are
 * appended to the status held (`applyStatusDelta`). Readers get the whole
 * status each time.
 *
 * @example
 * ```ts
 * const subscription = createStatusSubscription((frame) => connection.send(frame));
 * const stop = subscription.subscribe((status) => show(status)); // sends `subscribe_status`
 * subscription.receive(frame); // show() gets the whole status, a delta applied
 * stop();                      // sends `unsubscribe_status`; the status held is dropped
 * ```
 */
import type { ClientFrameOf, ServerFrameOf, StatusResponse } from "../protocol/mod.ts";
import { applyStatusDelta } from "../protocol/status_history.ts";

/** Sends a frame if connected; false when it could not. */
export type StatusFrameSender = (
  frame: ClientFrameOf<"subscribe_status"> | ClientFrameOf<"unsubscribe_status">,
) => boolean;

/** Told each whole status as it arrives. */
export type StatusListener = (status: StatusResponse) => void;

/** The subscription and its readers. */
export interface StatusSubscription {
  /**
   * Adds a reader: it gets the status held now, if any, and each one after.
   * The returned function removes it (calling it again does nothing).
   */
  subscribe(onStatus: StatusListener): () => void;
  /** A connection is ready: asks for `status` frames again if anyone reads them. */
  resubscribe(): void;
  /** A `status` frame arrived; a delta with no status held to apply it to is dropped. */
  receive(frame: ServerFrameOf<"status">): void;
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
  const listeners = new Set<{ onStatus: StatusListener }>();
  let held: StatusResponse | null = null;

  return {
    subscribe(onStatus) {
      const reader = { onStatus };
      listeners.add(reader);
      if (listeners.size === 1) send({ type: "subscribe_status", delta: true });
      else if (held) onStatus(held);
      return () => {
        if (!listeners.delete(reader) || listeners.size > 0) return;
        send({ type: "unsubscribe_status" });
        held = null;
      };
    },
    resubscribe() {
      if (listeners.size > 0) send({ type: "subscribe_status", delta: true });
    },
    receive(frame) {
      if (listeners.size === 0) return;
      if (frame.delta && !held) return;
      const status = frame.delta && held ? applyStatusDelta(held, frame.summary) : frame.summary;
      held = status;
      for (const { onStatus } of listeners) onStatus(status);
    },
  };
}

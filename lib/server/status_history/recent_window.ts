/**
 * The last five minutes of samples, added up for the status page's big
 * numbers (messages, and delivery latencies over every delivery in the
 * window), and the newest message and delivery latencies ever seen, so that
 * a quiet server shows "41 ms, 2 h ago" rather than a dash. The newest
 * values start from the stored history (`seed`), so a restart keeps them.
 *
 * @example
 * ```ts
 * const recent = createRecentWindow();
 * recent.add(sample.bucket); // at each tick
 * recent.activity(clock.now()); // { window_s: 300, messages: 12, deliveries: 12, delivery_ms: {…} }
 * ```
 */
import type { LastDelivery, RecentActivity } from "../../protocol/status.ts";
import {
  addCounts,
  deliveryCount,
  deliveryPercentiles,
  type HistoryBucket,
  MINUTE_MS,
  noDeliveries,
} from "./bucket.ts";
import type { LastKnown } from "./store.ts";

/** How far back the big numbers add up. */
export const RECENT_WINDOW_MS = 5 * MINUTE_MS;

/** The samples of the last five minutes, and the newest values seen. */
export interface RecentWindow {
  /** Takes a sample (a bucket of one tick: it ends at `t + span_ms`, the tick's time). */
  add(sample: HistoryBucket): void;
  /** Takes the newest values of the stored history, where they are newer than those held. */
  seed(known: LastKnown): void;
  /** The window as of `now`. */
  activity(now: number): RecentActivity;
  lastKnown(): LastKnown;
}

interface Entry {
  t: number;
  messages: number;
  deliveries: number[];
}

/**
 * Creates an empty {@linkcode RecentWindow}.
 *
 * @example
 * ```ts
 * const recent = createRecentWindow();
 * ```
 */
export function createRecentWindow(): RecentWindow {
  let entries: Entry[] = [];
  let known: LastKnown = { message_at: null, delivery: null };

  const inWindow = (now: number) => {
    entries = entries.filter((entry) => entry.t > now - RECENT_WINDOW_MS);
    return entries;
  };

  const newer = (a: LastDelivery | null, b: LastDelivery | null) =>
    (b?.at ?? -Infinity) > (a?.at ?? -Infinity) ? b : a;

  return {
    add(sample) {
      const t = sample.t + sample.span_ms;
      entries.push({ t, messages: sample.messages, deliveries: sample.deliveries });
      const current = inWindow(t);
      if (sample.messages > 0) known = { ...known, message_at: t };
      if (deliveryCount(sample.deliveries) > 0) {
        const counts = noDeliveries();
        for (const entry of current) addCounts(counts, entry.deliveries);
        const { p50, p99 } = deliveryPercentiles(counts);
        known = { ...known, delivery: { at: t, p50: p50 ?? 0, p99: p99 ?? 0 } };
      }
    },
    seed(stored) {
      known = {
        message_at: Math.max(known.message_at ?? -Infinity, stored.message_at ?? -Infinity),
        delivery: newer(known.delivery, stored.delivery),
      };
      if (known.message_at === -Infinity) known.message_at = null;
    },
    activity(now) {
      let messages = 0;
      const counts = noDeliveries();
      for (const entry of inWindow(now)) {
        messages += entry.messages;
        addCounts(counts, entry.deliveries);
      }
      return {
        window_s: RECENT_WINDOW_MS / 1_000,
        messages,
        deliveries: deliveryCount(counts),
        delivery_ms: deliveryPercentiles(counts),
      };
    },
    lastKnown: () => known,
  };
}

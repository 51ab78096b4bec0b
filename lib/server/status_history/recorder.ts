/**
 * Records the status history. Every instance samples its cluster view at
 * each snapshot tick (every 5 s) into the current minute and into the last
 * five minutes (the big numbers); only the instance holding the
 * `status_history` lease writes, so N instances write one series.
 *
 * When a tick falls into a new minute, the minute before is finished (its
 * status the worst seen in it) and queued. The writer, holding the lease,
 * appends the queued minutes in order, each fenced by its hold, then:
 *
 * - updates the incidents (`incidents.ts`);
 * - rolls up each hour that ended into an hour bucket;
 * - once an hour, prunes what is past its retention.
 *
 * On taking the lease it first rolls up any finished hour of the last 48 h
 * that has minutes but no roll-up (the previous writer stopped before). An
 * instance that does not hold the lease keeps its last few minutes queued:
 * if the writer dies, the next holder writes those it missed (a minute
 * already written is not written twice). A writer whose store fails keeps up
 * to an hour of minutes queued and writes them when the store answers again,
 * so an outage of the store is recorded as it happened.
 *
 * Costs, for the whole cluster: one atomic write per minute (plus one per
 * minute while an incident lasts), one roll-up per hour (a read of its 60
 * minutes and one write); the holder renews its lease every 10 s (one write),
 * every other instance tries to take it every 10 s (one read).
 *
 * @example
 * ```ts
 * const recorder = createStatusRecorder({ clock, view, store, lease, intervalMs: 5_000 });
 * await recorder.start();
 * publisherOptions.onSample = () => recorder.sample();
 * recorder.recent(); // the last five minutes
 * await recorder.close();
 * ```
 */
import type { RecentActivity } from "../../protocol/status.ts";
import type { Clock } from "../../time/clock.ts";
import type { Lease, LeaseHold } from "../cluster/mod.ts";
import type { ClusterView, HealthThresholds } from "../metrics/mod.ts";
import {
  bucketStart,
  type HistoryBucket,
  HOUR_MS,
  mergeBuckets,
  MINUTE_MS,
  type MinuteStatus,
} from "./bucket.ts";
import { nextIncident } from "./incidents.ts";
import { createRecentWindow } from "./recent_window.ts";
import {
  HISTORY_RETENTION,
  type LastKnown,
  type StatusHistoryStore,
  type StoredIncident,
} from "./store.ts";
import { createTickSampler, type TickSample } from "./tick_sample.ts";

/** The most minutes the writer holds back while the store fails: an hour. */
const QUEUE_WHILE_WRITING = 60;
/** The minutes an instance that does not write keeps, in case the writer died. */
const QUEUE_WHILE_WAITING = 3;

const STATUS_ORDER: Record<MinuteStatus, number> = { ok: 0, degraded: 1, down: 2 };

/** A finished minute waiting to be written. */
interface QueuedMinute {
  bucket: HistoryBucket;
  status: MinuteStatus;
  reasons: string[];
}

/** The minute being sampled. */
interface OpenMinute {
  t: number;
  samples: HistoryBucket[];
  status: MinuteStatus;
  reasons: string[];
}

/** Options of {@linkcode createStatusRecorder}. */
export interface StatusRecorderOptions {
  clock: Clock;
  view: ClusterView;
  store: StatusHistoryStore;
  /** The lease that elects the writer. */
  lease: Lease;
  /** The snapshot interval: how often `sample` is called. */
  intervalMs: number;
  thresholds?: HealthThresholds;
  /** Told when the store fails; the recorder tries again at the next tick. */
  onError?: (error: unknown) => void;
}

/** The recorder of one instance. */
export interface StatusRecorder {
  /** Whether this instance holds the lease and writes the history now. */
  readonly writing: boolean;
  /** Loads the last known values from the store. */
  start(): Promise<void>;
  /** Samples the cluster view now (at each snapshot tick), and writes what is due. */
  sample(): void;
  /** The last five minutes, summed. */
  recent(): RecentActivity;
  /** The newest message and delivery seen, here or in the stored history. */
  lastKnown(): LastKnown;
  /** Resolves once the writing started so far is done. */
  settled(): Promise<void>;
  /**
   * Finishes the current minute, writes what it can, and releases the lease
   * so another instance takes over at once.
   */
  close(): Promise<void>;
}

/**
 * Creates a {@linkcode StatusRecorder}; nothing is sampled until `sample` is called.
 *
 * @example
 * ```ts
 * const recorder = createStatusRecorder({ clock, view, store, lease, intervalMs: 5_000 });
 * ```
 */
export function createStatusRecorder(options: StatusRecorderOptions): StatusRecorder {
  const { clock, view, store, lease, intervalMs } = options;
  const onError = options.onError ?? ((error) => console.error("status history:", error));
  const sampler = createTickSampler({ intervalMs, thresholds: options.thresholds });
  const recentWindow = createRecentWindow();
  const renewEveryMs = lease.ttlMs / 3;

  let open: OpenMinute | null = null;
  let queue: QueuedMinute[] = [];
  let hold: LeaseHold | null = null;
  let nextLeaseAttemptAt = -Infinity;
  /** The latest incident; undefined until read from the store by this writer. */
  let latestIncident: StoredIncident | null | undefined;
  /** Hours before this one are rolled up. */
  let rolledUpTo = -Infinity;
  let prunedAt = -Infinity;
  let closed = false;
  let work: Promise<void> = Promise.resolve();
  let running = false;
  let again = false;

  const finish = (minute: OpenMinute): QueuedMinute => {
    const bucket = mergeBuckets(minute.t, MINUTE_MS, minute.samples);
    bucket.minutes[minute.status] = 1;
    return { bucket, status: minute.status, reasons: minute.reasons };
  };

  const enqueue = (minute: QueuedMinute) => {
    queue.push(minute);
    const keep = hold ? QUEUE_WHILE_WRITING : QUEUE_WHILE_WAITING;
    if (queue.length > keep) queue = queue.slice(-keep);
  };

  const take = (sample: TickSample) => {
    const t = bucketStart(sample.bucket.t, MINUTE_MS);
    if (open && open.t !== t) {
      enqueue(finish(open));
      open = null;
    }
    open ??= { t, samples: [], status: "ok", reasons: [] };
    open.samples.push(sample.bucket);
    if (STATUS_ORDER[sample.status] > STATUS_ORDER[open.status]) open.status = sample.status;
    for (const reason of sample.reasons) {
      if (!open.reasons.includes(reason)) open.reasons.push(reason);
    }
  };

  /** Keeps the lease: renews a hold when a third of it is gone, tries to take it otherwise. */
  const keepLease = async () => {
    const now = clock.now();
    if (hold && now < hold.expiresAt - 2 * renewEveryMs) return;
    if (!hold && now < nextLeaseAttemptAt) return;
    nextLeaseAttemptAt = now + renewEveryMs;
    const held = hold !== null;
    hold = hold ? await lease.renew(hold) : await lease.acquire();
    if (hold && !held) await catchUp(hold);
  };

  /** A new writer: reads the latest incident and rolls up the hours the last one left. */
  const catchUp = async (fence: LeaseHold) => {
    latestIncident = await store.latestIncident();
    const now = clock.now();
    const currentHour = bucketStart(now, HOUR_MS);
    const from = currentHour - HISTORY_RETENTION.minutesMs;
    const [minutes, hours] = await Promise.all([
      store.read("minute", { from, to: currentHour }),
      store.read("hour", { from, to: currentHour }),
    ]);
    const rolled = new Set(hours.map((hour) => hour.t));
    const pending = new Set(minutes.map((minute) => bucketStart(minute.t, HOUR_MS)));
    for (const hour of [...pending].sort((a, b) => a - b)) {
      if (!rolled.has(hour)) await rollUp(hour, fence);
    }
    rolledUpTo = currentHour;
  };

  const rollUp = async (hour: number, fence: LeaseHold) => {
    const minutes = await store.read("minute", { from: hour, to: hour + HOUR_MS, detail: true });
    if (minutes.length === 0) return;
    if (await store.putHour(mergeBuckets(hour, HOUR_MS, minutes), fence) === "fenced") {
      hold = null;
    }
  };

  const writeMinute = async (minute: QueuedMinute, fence: LeaseHold) => {
    const result = await store.appendMinute(minute.bucket, fence);
    if (result === "fenced") {
      hold = null;
      return;
    }
    if (result === "written") {
      latestIncident ??= await store.latestIncident();
      const step = nextIncident(latestIncident, { t: minute.bucket.t, ...minute });
      for (const incident of step.changed) {
        if (await store.saveIncident(incident, fence) === "fenced") {
          hold = null;
          return;
        }
      }
      latestIncident = step.latest;
    }
    const hour = bucketStart(minute.bucket.t, HOUR_MS);
    // Only the hours the kept minutes still cover can be rolled up.
    const from = Math.max(rolledUpTo, hour - HISTORY_RETENTION.minutesMs);
    for (let done = from; done < hour && hold; done += HOUR_MS) await rollUp(done, fence);
    rolledUpTo = Math.max(rolledUpTo, hour);
  };

  const write = async () => {
    await keepLease();
    while (hold && queue.length > 0) {
      await writeMinute(queue[0], hold);
      if (hold) queue.shift();
    }
    if (!hold) {
      latestIncident = undefined;
      return;
    }
    const now = clock.now();
    if (now - prunedAt >= HOUR_MS) {
      prunedAt = now;
      await store.prune(now);
    }
  };

  /** Runs `write` after the one running, if any; a burst of ticks runs it once more. */
  const kick = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    work = (async () => {
      do {
        again = false;
        try {
          await write();
        } catch (error) {
          onError(error);
        }
      } while (again && !closed);
      running = false;
    })();
  };

  return {
    get writing() {
      return hold !== null;
    },
    async start() {
      try {
        recentWindow.seed(await store.lastKnown());
      } catch (error) {
        onError(error);
      }
    },
    sample() {
      if (closed) return;
      const sample = sampler.take(view, clock.now());
      take(sample);
      recentWindow.add(sample.bucket);
      kick();
    },
    recent: () => recentWindow.activity(clock.now()),
    lastKnown: () => recentWindow.lastKnown(),
    settled: async () => {
      while (running) await work;
    },
    async close() {
      if (closed) return;
      closed = true;
      while (running) await work;
      if (open) enqueue(finish(open));
      open = null;
      try {
        if (hold) {
          await write();
          if (hold) await lease.release(hold);
        }
      } catch (error) {
        onError(error);
      }
      hold = null;
    },
  };
}

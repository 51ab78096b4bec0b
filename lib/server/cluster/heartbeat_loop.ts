/**
 * The beat of a registry that keeps heartbeats in a shared database (the kv
 * and postgres engines): every third of the expiry, this instance's heartbeat
 * is written (registered anew, and `onLapsed` told, when it had lapsed), the
 * instances are listed, and the holder of the janitor's lease clears what
 * instances that are gone left behind. How each step is done is the engine's.
 *
 * @example
 * ```ts
 * const loop = createHeartbeatLoop({ clock, expiryMs, janitorLease, beat, register, refresh, clearGone, onError });
 * loop.onLapsed(() => republishShares());
 * await loop.start(); // registers, lists, then beats
 * await loop.stop();  // stops beating, lets the janitor's lease go
 * ```
 */
import type { Clock, TimerId } from "../../time/clock.ts";
import type { Lease, LeaseHold } from "./lease.ts";

/** Options of {@linkcode createHeartbeatLoop}. */
export interface HeartbeatLoopOptions {
  clock: Clock;
  expiryMs: number;
  /** Whoever holds it clears what dead instances left. */
  janitorLease: Lease;
  /** Rewrites this instance's heartbeat; false when it had lapsed. */
  beat(): Promise<boolean>;
  /** Writes this instance's heartbeat anew. */
  register(): Promise<void>;
  /** Lists the instances. */
  refresh(): Promise<void>;
  /** Clears what instances that are gone left. */
  clearGone(): Promise<number>;
  onError(error: unknown): void;
}

/** A running beat. */
export interface HeartbeatLoop {
  /** Listens to this instance's heartbeat lapsing (it registered again). */
  onLapsed(listener: () => void): () => void;
  /** Registers, lists, and starts beating. */
  start(): Promise<void>;
  /** Whether `stop` was called. */
  readonly stopped: boolean;
  /** Stops beating and lets the janitor's lease go. */
  stop(): Promise<void>;
}

/** Creates the beat; nothing is written until it starts. */
export function createHeartbeatLoop(options: HeartbeatLoopOptions): HeartbeatLoop {
  const { clock, expiryMs, janitorLease, beat, register, refresh, clearGone, onError } = options;
  const lapsedListeners = new Set<() => void>();
  let janitorHold: LeaseHold | null = null;
  let timer: TimerId | undefined;
  let stopped = false;

  const janitor = async () => {
    janitorHold = janitorHold
      ? await janitorLease.renew(janitorHold)
      : await janitorLease.acquire();
    if (janitorHold) await clearGone();
  };

  const tick = async () => {
    if (!await beat()) {
      await register();
      for (const listener of lapsedListeners) listener();
    }
    await refresh();
    await janitor();
  };

  return {
    onLapsed(listener) {
      lapsedListeners.add(listener);
      return () => void lapsedListeners.delete(listener);
    },
    async start() {
      await register();
      await refresh();
      timer = clock.setInterval(() => {
        if (!stopped) tick().catch(onError);
      }, expiryMs / 3);
    },
    get stopped() {
      return stopped;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearInterval(timer);
      if (janitorHold) await janitorLease.release(janitorHold).catch(onError);
    },
  };
}

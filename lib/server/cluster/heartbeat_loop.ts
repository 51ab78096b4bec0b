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
import type { InstanceDirectory } from "./cluster.ts";
import type { Lease, LeaseHold } from "./lease.ts";
import type { PeerSet } from "./peer_set.ts";

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

/** Options of {@linkcode createBeatingRegistry}: the loop's steps, the peers they keep, and leaving. */
export interface BeatingRegistryOptions<T> extends HeartbeatLoopOptions {
  peers: PeerSet<T>;
  /** After the beat stopped: waits for the listing in flight; with `goodbye`, removes this instance. */
  leave(goodbye: boolean): Promise<void>;
}

/** The registry of one instance of an engine that keeps heartbeats in a shared database. */
export interface BeatingRegistry extends InstanceDirectory {
  /** This instance's own heartbeat had lapsed and it registered again. */
  onLapsed(listener: () => void): () => void;
  /** Registers, lists the instances, and starts beating. */
  start(): Promise<void>;
  /** Lists the instances now (the engine's wake-up moved). */
  refresh(): Promise<void>;
  /** Drops the instances whose heartbeat lapsed, clears what they left; how many were dropped. */
  sweep(): Promise<number>;
  /** Whether `close` was called (a listing in flight need not go on). */
  readonly stopped: boolean;
  /** Stops beating; with `goodbye`, removes this instance and what it holds. */
  close(goodbye: boolean): Promise<void>;
}

/**
 * The registry both database engines present, over their own steps: the
 * peers they list, beaten by {@linkcode createHeartbeatLoop}.
 *
 * @example
 * ```ts
 * const peers = createPeerSet<number>(instance);
 * const registry = createBeatingRegistry({ ...loopSteps, peers, leave: async () => {} });
 * await registry.start();
 * ```
 */
export function createBeatingRegistry<T>(options: BeatingRegistryOptions<T>): BeatingRegistry {
  const { peers, refresh, clearGone, leave } = options;
  const loop = createHeartbeatLoop(options);
  return {
    live: peers.live,
    isLive: peers.isLive,
    onGone: peers.onGone,
    onJoined: peers.onJoined,
    onLapsed: loop.onLapsed,
    start: loop.start,
    refresh,
    async sweep() {
      const before = peers.size();
      await refresh();
      await clearGone();
      return before - peers.size();
    },
    get stopped() {
      return loop.stopped;
    },
    async close(goodbye) {
      await loop.stop();
      await leave(goodbye);
    },
  };
}

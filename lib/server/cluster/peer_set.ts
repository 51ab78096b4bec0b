/**
 * The other live instances as one instance knows them, each with what its
 * engine keeps of it (when it was last heard, its heartbeat's version), and
 * the listeners of its arrival and departure: the part of an
 * {@linkcode InstanceDirectory} both engines share. How a peer is heard and
 * when it counts as gone is the engine's.
 *
 * @example
 * ```ts
 * const peers = createPeerSet<number>("a1b2c3d4e5f6");
 * peers.onJoined((id) => console.log(`${id} joined`));
 * peers.set("0f0f0f0f0f0f", Date.now()); // "0f0f0f0f0f0f joined"
 * peers.live(); // ["a1b2c3d4e5f6", "0f0f0f0f0f0f"]
 * peers.drop("0f0f0f0f0f0f"); // its onGone listeners are told
 * ```
 */
import type { InstanceDirectory } from "./cluster.ts";

/** The live peers of one instance, with a state each. */
export interface PeerSet<T> extends InstanceDirectory {
  get(id: string): T | undefined;
  has(id: string): boolean;
  /** The peers and their states, as a copy (safe to drop peers while iterating). */
  entries(): [string, T][];
  size(): number;
  /** Records a peer's state; a peer not known before is announced to `onJoined`. */
  set(id: string, state: T): void;
  /** Forgets a peer, and announces it to `onGone` if it was known. */
  drop(id: string): void;
  /** Forgets every listener. */
  clearListeners(): void;
}

/** Creates the {@linkcode PeerSet} of the instance `instance`. */
export function createPeerSet<T>(instance: string): PeerSet<T> {
  const peers = new Map<string, T>();
  const joinedListeners = new Set<(id: string) => void>();
  const goneListeners = new Set<(id: string) => void>();
  return {
    live: () => [instance, ...peers.keys()],
    isLive: (id) => id === instance || peers.has(id),
    onJoined(listener) {
      joinedListeners.add(listener);
      return () => void joinedListeners.delete(listener);
    },
    onGone(listener) {
      goneListeners.add(listener);
      return () => void goneListeners.delete(listener);
    },
    get: (id) => peers.get(id),
    has: (id) => peers.has(id),
    entries: () => [...peers],
    size: () => peers.size,
    set(id, state) {
      const known = peers.has(id);
      peers.set(id, state);
      if (!known) { for (const listener of joinedListeners) listener(id); }
    },
    drop(id) {
      if (!peers.delete(id)) return;
      for (const listener of goneListeners) listener(id);
    },
    clearListeners() {
      joinedListeners.clear();
      goneListeners.clear();
    },
  };
}

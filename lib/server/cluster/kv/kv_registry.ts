/**
 * The {@linkcode InstanceDirectory} of the kv engine: heartbeats in Deno KV.
 *
 * Each instance writes `["cluster", "instance", id]` when it starts (bumping
 * the registry signal, so the others list the instances at once) and again
 * every third of `expiryMs`, with `expireIn: expiryMs`. Each lists the entries
 * at every beat of its own, and when the signal moves. An instance counts as
 * alive while its entry's versionstamp changed within `expiryMs` by the
 * reader's own clock, so clocks that disagree between instances change
 * nothing; an entry seen for the first time counts only if its `beat_at` is
 * within the expiry (KV deletes expired entries lazily, so one may still be
 * listed). A dead instance is therefore dropped within `expiryMs` plus one
 * beat; one that says goodbye, at once.
 *
 * A beat checks that the entry is still the one this instance last wrote. If
 * it is gone (the instance stalled for longer than the expiry, and the others
 * dropped it and cleared what it left), the instance registers again and
 * publishes every share anew (`onLapsed`).
 *
 * The janitor, run by the holder of the `cluster.janitor` lease at each of its
 * beats (or by `sweep`), deletes what instances that are gone left: their
 * share values, their unread mail, and their `seen` entry.
 *
 * @example
 * ```ts
 * const registry = createKvRegistry({ kv, clock, instance, expiryMs: 15_000, onError });
 * registry.onJoined((id) => readItsShares(id));
 * await registry.start();
 * registry.live(); // [instance, ...]
 * ```
 */
import type { Clock } from "../../../time/clock.ts";
import type { Lease } from "../lease.ts";
import { type BeatingRegistry, createBeatingRegistry } from "../heartbeat_loop.ts";
import { createPeerSet } from "../peer_set.ts";
import {
  INSTANCE_PREFIX,
  instanceKey,
  type InstanceRecord,
  mailPrefix,
  REGISTRY_SIGNAL,
  SEEN_PREFIX,
  seenKey,
  sharePrefix,
} from "./kv_keys.ts";

/** Options of {@linkcode createKvRegistry}. */
export interface KvRegistryOptions {
  kv: Deno.Kv;
  clock: Clock;
  instance: string;
  expiryMs: number;
  /** The janitor's lease: whoever holds it clears what dead instances left. */
  janitorLease: Lease;
  onError: (error: unknown) => void;
}

/** How many deletions go into one commit. */
const DELETE_BATCH = 200;

/** Creates the registry of one instance; nothing is written until it starts. */
export function createKvRegistry(options: KvRegistryOptions): BeatingRegistry {
  const { kv, clock, instance, expiryMs, janitorLease, onError } = options;
  const startedAt = clock.now();
  /** Live peers: their entry's versionstamp and when this instance saw it change. */
  const peers = createPeerSet<{ versionstamp: string; changedAt: number }>(instance);
  let ownVersionstamp: string | null = null;
  /** When this instance's heartbeat was last written (its clock). */
  let beatAt = -Infinity;
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;

  const record = (): InstanceRecord => ({
    id: instance,
    started_at: startedAt,
    beat_at: clock.now(),
    expiry_ms: expiryMs,
  });

  const register = async () => {
    const result = await kv.atomic()
      .set(instanceKey(instance), record(), { expireIn: expiryMs })
      .set(seenKey(instance), { started_at: startedAt })
      .sum(REGISTRY_SIGNAL, 1n)
      .commit();
    // Without a check, a commit only fails by throwing.
    if (result.ok) ownVersionstamp = result.versionstamp;
    beatAt = clock.now();
  };

  /**
   * Rewrites the heartbeat if it is still this instance's last; false when it
   * lapsed: gone from KV, or not rewritten within the expiry (the others have
   * dropped this instance even if KV has not deleted the entry yet).
   */
  const beat = async (): Promise<boolean> => {
    if (clock.now() - beatAt >= expiryMs) return false;
    const result = await kv.atomic()
      .check({ key: instanceKey(instance), versionstamp: ownVersionstamp })
      .set(instanceKey(instance), record(), { expireIn: expiryMs })
      .commit();
    if (!result.ok) return false;
    ownVersionstamp = result.versionstamp;
    beatAt = clock.now();
    return true;
  };

  const list = async () => {
    const now = clock.now();
    const listed = new Set<string>();
    for await (const entry of kv.list<InstanceRecord>({ prefix: INSTANCE_PREFIX })) {
      const id = String(entry.key[INSTANCE_PREFIX.length]);
      if (id === instance) continue;
      const known = peers.get(id);
      if (known) {
        listed.add(id);
        if (known.versionstamp !== entry.versionstamp) {
          peers.set(id, { versionstamp: entry.versionstamp, changedAt: now });
        }
      } else if (isFresh(entry.value, now)) {
        listed.add(id);
        peers.set(id, { versionstamp: entry.versionstamp, changedAt: now });
      }
    }
    for (const [id, { changedAt }] of peers.entries()) {
      if (!listed.has(id) || now - changedAt >= expiryMs) peers.drop(id);
    }
  };

  /** Lists the instances, once at a time; a call while one runs makes it run again. */
  const refresh = async () => {
    if (refreshing) {
      refreshAgain = true;
      return await refreshing;
    }
    refreshing = (async () => {
      do {
        refreshAgain = false;
        await list();
      } while (refreshAgain && !registry.stopped);
    })().finally(() => refreshing = null);
    await refreshing;
  };

  /** Deletes every entry under `prefix`, in batches. */
  const deleteAll = async (prefix: Deno.KvKey) => {
    let batch: Deno.KvKey[] = [];
    const flush = async () => {
      const operation = kv.atomic();
      for (const key of batch) operation.delete(key);
      await operation.commit();
      batch = [];
    };
    for await (const { key } of kv.list({ prefix })) {
      batch.push(key);
      if (batch.length === DELETE_BATCH) await flush();
    }
    if (batch.length > 0) await flush();
  };

  /** Clears what instances that are gone left behind; returns how many it cleared. */
  const clearGone = async (): Promise<number> => {
    let cleared = 0;
    for await (const { key } of kv.list({ prefix: SEEN_PREFIX })) {
      const id = String(key[SEEN_PREFIX.length]);
      if (id === instance || peers.has(id)) continue;
      // Listed again by its own key: an instance that started after the last refresh is alive.
      const heartbeat = await kv.get<InstanceRecord>(instanceKey(id));
      if (heartbeat.value && isFresh(heartbeat.value, clock.now())) continue;
      await deleteAll(sharePrefix(id));
      await deleteAll(mailPrefix(id));
      await kv.delete(seenKey(id));
      cleared++;
    }
    return cleared;
  };

  const registry = createBeatingRegistry({
    clock,
    expiryMs,
    janitorLease,
    beat,
    register,
    refresh,
    clearGone,
    onError,
    peers,
    async leave(goodbye) {
      await refreshing;
      if (!goodbye) return;
      await kv.atomic()
        .delete(instanceKey(instance))
        .delete(seenKey(instance))
        .sum(REGISTRY_SIGNAL, 1n)
        .commit();
      await deleteAll(sharePrefix(instance));
      await deleteAll(mailPrefix(instance));
    },
  });
  return registry;

  /** Whether a heartbeat seen for the first time is recent enough to count. */
  function isFresh(value: InstanceRecord, now: number): boolean {
    return typeof value?.beat_at === "number" && typeof value.expiry_ms === "number" &&
      value.beat_at + value.expiry_ms > now;
  }
}

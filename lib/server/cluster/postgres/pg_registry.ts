/**
 * The {@linkcode InstanceDirectory} of the postgres engine: heartbeats in
 * `cluster_instances`.
 *
 * Each instance inserts its row when it starts (notifying
 * `switchboard_registry`, so the others list the instances at once) and moves
 * its `beats` counter every third of `expiryMs`. Each lists the rows at every
 * beat of its own, and on a notification. A peer counts as alive while its
 * counter moved within `expiryMs` by the reader's own clock, so clocks that
 * disagree between machines change nothing; a row seen for the first time
 * counts only if its `beat_at` is within the expiry. A dead instance is
 * therefore dropped within `expiryMs` plus one beat; one that says goodbye
 * (deleting its row), at once.
 *
 * A beat that finds its row gone, or comes more than the expiry after the
 * last one (PostgreSQL was unreachable, the process stalled: the others may
 * have dropped it), registers again and publishes every share anew
 * (`onLapsed`). After such a spell without listing, the peers it knew get one
 * expiry to show a beat before they are dropped: they were as cut off as it
 * was, not dead.
 *
 * The janitor, run by the holder of the `cluster.janitor` lease at each of its
 * beats (or by `sweep`), deletes in one transaction per instance what
 * instances that are gone left: their row, share values, stream and unread
 * mail.
 *
 * @example
 * ```ts
 * const registry = createPgRegistry({ sql, clock, instance, expiryMs: 15_000, janitorLease, onError });
 * registry.onJoined((id) => readItsShares(id));
 * await registry.start();
 * registry.live(); // [instance, ...]
 * ```
 */
import type { Clock } from "../../../time/clock.ts";
import type { Sql } from "../../postgres/mod.ts";
import { createCoalescedRun } from "../coalesced_run.ts";
import type { Lease } from "../lease.ts";
import { type BeatingRegistry, createBeatingRegistry } from "../heartbeat_loop.ts";
import { createPeerSet } from "../peer_set.ts";
import { REGISTRY_CHANNEL } from "./pg_channels.ts";

/** Options of {@linkcode createPgRegistry}. */
export interface PgRegistryOptions {
  sql: Sql;
  clock: Clock;
  instance: string;
  expiryMs: number;
  /** The janitor's lease: whoever holds it clears what dead instances left. */
  janitorLease: Lease;
  onError: (error: unknown) => void;
}

interface InstanceRow {
  id: string;
  beats: number;
  beat_at: number;
  expiry_ms: number;
}

/** Creates the registry of one instance; nothing is written until it starts. */
export function createPgRegistry(options: PgRegistryOptions): BeatingRegistry {
  const { sql, clock, instance, expiryMs, janitorLease, onError } = options;
  const startedAt = clock.now();
  /** Live peers: their counter and when this instance saw it move. */
  const peers = createPeerSet<{ beats: number; changedAt: number }>(instance);
  /** When this instance's heartbeat was last written (its clock). */
  let beatAt = -Infinity;
  /** When the instances were last listed (its clock). */
  let listedAt = -Infinity;

  const register = async () => {
    const now = clock.now();
    await sql.begin(async (tx) => {
      await tx`
        insert into cluster_instances (id, started_at, beats, beat_at, expiry_ms)
        values (${instance}, ${startedAt}, 0, ${now}, ${expiryMs})
        on conflict (id) do update set beats = cluster_instances.beats + 1, beat_at = ${now}`;
      await tx`select pg_notify(${REGISTRY_CHANNEL}, ${instance})`;
    });
    beatAt = now;
  };

  /** Moves the counter; false when the heartbeat lapsed (row gone, or not moved within the expiry). */
  const beat = async (): Promise<boolean> => {
    const now = clock.now();
    if (now - beatAt >= expiryMs) return false;
    const moved = await sql`
      update cluster_instances set beats = beats + 1, beat_at = ${now}
      where id = ${instance} returning 1`;
    if (moved.length === 0) return false;
    beatAt = now;
    return true;
  };

  const isFresh = (row: InstanceRow, now: number) => row.beat_at + row.expiry_ms > now;

  const list = async () => {
    const rows = await sql<InstanceRow[]>`
      select id, beats, beat_at, expiry_ms from cluster_instances where id <> ${instance}`;
    const now = clock.now();
    // This instance could not list for longer than the expiry (PostgreSQL was unreachable): it
    // saw nobody's heartbeat move, which says nothing of them. Each peer gets one expiry from now
    // to show a beat, instead of being dropped (and its rows cleared) before it could write one.
    if (now - listedAt >= expiryMs) {
      for (const [id, state] of peers.entries()) peers.set(id, { ...state, changedAt: now });
    }
    listedAt = now;
    const listed = new Set<string>();
    for (const row of rows) {
      const known = peers.get(row.id);
      if (known) {
        listed.add(row.id);
        if (known.beats !== row.beats) peers.set(row.id, { beats: row.beats, changedAt: now });
      } else if (isFresh(row, now)) {
        listed.add(row.id);
        peers.set(row.id, { beats: row.beats, changedAt: now });
      }
    }
    for (const [id, { changedAt }] of peers.entries()) {
      if (!listed.has(id) || now - changedAt >= expiryMs) peers.drop(id);
    }
  };
  const listing = createCoalescedRun(list, onError);
  const refresh = async () => {
    if (registry.stopped) return;
    listing.wake();
    await listing.idle();
  };

  /** Deletes what `id` left, in one transaction; `announce`: and tells the others it is gone. */
  const clear = (id: string, announce = false) =>
    sql.begin(async (tx) => {
      await tx`delete from cluster_shares where instance = ${id}`;
      await tx`delete from cluster_stream where sender = ${id}`;
      await tx`delete from cluster_mail where recipient = ${id}`;
      await tx`delete from cluster_instances where id = ${id}`;
      if (announce) await tx`select pg_notify(${REGISTRY_CHANNEL}, ${id})`;
    });

  /** Clears what instances that are gone left behind; returns how many it cleared. */
  const clearGone = async (): Promise<number> => {
    const rows = await sql<InstanceRow[]>`
      select id, beats, beat_at, expiry_ms from cluster_instances where id <> ${instance}`;
    const now = clock.now();
    const gone = rows.filter((row) => !peers.has(row.id) && !isFresh(row, now));
    for (const row of gone) await clear(row.id);
    return gone.length;
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
      await listing.idle();
      if (goodbye) await clear(instance, true);
    },
  });
  return registry;
}

/**
 * The `kv` engine: any number of instances sharing one Deno KV database (Deno
 * Deploy's instances, which share nothing else, or processes on a remote
 * `KV_PATH`). Nothing rides a `BroadcastChannel`; every instance writes what
 * the others must know into KV and watches a fixed set of signal keys
 * (`kv_watch.ts`; the key layout is in `kv_keys.ts`):
 *
 * | what | written | read |
 * | --- | --- | --- |
 * | a message | its commit (one atomic operation) also bumps its room's shard signal: no other write | the shard's instances read their rooms' heads, then the log (`kv_feed.ts`) |
 * | events, share changes | one stream record per commit of the outbox, grouped (`kv_outbox.ts`) | each instance reads each other's stream after its cursor (`kv_stream_reader.ts`) |
 * | directed events | a mail in the addressee's mailbox | the addressee, then deletes it (`kv_mailbox.ts`) |
 * | share values | beside the record that changed them | at start, and after a gap in a stream |
 * | heartbeats | every `expiryMs / 3` | listed at each beat (`kv_registry.ts`) |
 *
 * Costs: a chat message costs its commit and nothing more to write; each
 * other instance serving a room of its shard reads the heads of those rooms
 * (one `getMany` per ten) and the new messages. Presence changes are at most
 * one publication per user per room per second, typing one event per user
 * per room per second, and the outbox groups whatever is queued while a
 * commit is in flight into the next one. An instance watches ten keys,
 * whatever the number of rooms. `bench/cluster_kv_ops.ts` counts them.
 *
 * @example
 * ```ts
 * const cluster = await createKvCluster({
 *   kv, clock, instance: "a1b2c3d4e5f6", expiryMs: 15_000, log: { historyMax: 10_000 },
 * });
 * cluster.events.emit("room_closed", { room: "random" }); // every instance hears it
 * await cluster.close();
 * ```
 */
import type { Clock } from "../../../time/clock.ts";
import { createMessageStore, type MessageStoreOptions } from "../../store/mod.ts";
import type { Cluster } from "../cluster.ts";
import { createKvLease } from "../kv_lease.ts";
import { createKvRateLimits } from "../kv_rate_limits.ts";
import type { ShareEntry } from "../shares_core.ts";
import { assembleCluster, createStreamPlane } from "../stream_plane.ts";
import { createKvFeed } from "./kv_feed.ts";
import {
  mailboxSignal,
  REGISTRY_SIGNAL,
  ROOM_SHARDS,
  roomSignal,
  roomSignalKeys,
  sharePrefix,
  STREAM_SIGNAL,
} from "./kv_keys.ts";
import { createKvMailbox } from "./kv_mailbox.ts";
import { createKvOutbox } from "./kv_outbox.ts";
import { readWholes } from "./kv_parts.ts";
import { createKvRegistry } from "./kv_registry.ts";
import { createKvStreamReader } from "./kv_stream_reader.ts";
import { watchSignals } from "./kv_watch.ts";

/** Options of {@linkcode createKvCluster}. */
export interface KvClusterOptions {
  kv: Deno.Kv;
  clock: Clock;
  instance: string;
  /** How long an instance counts after its last heartbeat. */
  expiryMs: number;
  /** The room log's options, but its clock. */
  log: Omit<MessageStoreOptions, "clock" | "headSignal">;
  /** A background failure; the engine keeps going. */
  onError?: (error: unknown) => void;
}

/** Key parts before a share value's part index: `["cluster", "share", id, space, key]`. */
const SHARE_BASE_LENGTH = 5;

/** Creates the kv engine of one instance: registers it, reads the others' shares, watches. */
export async function createKvCluster(options: KvClusterOptions): Promise<Cluster> {
  const { kv, clock, instance, expiryMs } = options;
  const onError = options.onError ?? ((error) => console.error("cluster:", error));
  const log = createMessageStore(kv, { ...options.log, clock, headSignal: roomSignal });
  const feed = createKvFeed({ kv, log, onError });
  const outbox = createKvOutbox({ kv, instance, onError });

  const plane = createStreamPlane({ instance, clock, outbox, onError });

  const registry = createKvRegistry({
    kv,
    clock,
    instance,
    expiryMs,
    janitorLease: createKvLease({
      kv,
      clock,
      name: "cluster.janitor",
      holder: instance,
      ttlMs: expiryMs,
    }),
    onError,
  });

  /** Reads what `sender` holds now, every space whole. */
  const loadShares = async (sender: string) => {
    const listed = kv.list({ prefix: sharePrefix(sender) });
    const bySpace = new Map<string, ShareEntry[]>();
    for (const { base, value } of await readWholes(listed, SHARE_BASE_LENGTH)) {
      const [space, key] = [String(base[3]), String(base[4])];
      bySpace.set(space, [...bySpace.get(space) ?? [], [key, value]]);
    }
    plane.receiveWhole(sender, bySpace);
  };

  const reader = createKvStreamReader({
    kv,
    senders: () => registry.live().filter((id) => id !== instance),
    onRecord: plane.onRecord,
    onGap: plane.reloadOnGap(loadShares),
    onError,
  });
  const mailbox = createKvMailbox({ kv, instance, onMail: plane.dispatch, onError });

  let starting = true;
  const stops = plane.follow({ registry, reader, loadShares, starting: () => starting });
  await registry.start();

  const signals = [...roomSignalKeys(), STREAM_SIGNAL, REGISTRY_SIGNAL, mailboxSignal(instance)];
  const watch = watchSignals({
    kv,
    keys: signals,
    onChange(index) {
      if (index < ROOM_SHARDS) feed.shardChanged(index);
      else if (index === ROOM_SHARDS) reader.wake();
      else if (index === ROOM_SHARDS + 1) registry.refresh().catch(onError);
      else mailbox.wake();
    },
    onOpen() {
      feed.catchUpAll();
      reader.wake();
      mailbox.wake();
      registry.refresh().catch(onError);
    },
    onError,
  });
  await watch.opened;
  starting = false;

  return assembleCluster({
    engine: "kv",
    instance,
    expiryMs,
    log,
    feed,
    plane,
    stops,
    outbox,
    registry,
    reader,
    mailbox,
    stopWaking: () => watch.stop(),
    rateLimits: createKvRateLimits({ kv, clock }),
    lease: (name, ttlMs) => createKvLease({ kv, clock, name, holder: instance, ttlMs }),
  });
}

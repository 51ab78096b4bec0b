/**
 * The `local` engine: the isolates of one process, joined by a
 * `BroadcastChannel` named after the namespace (`../../bus`). It is what
 * `deno task start` runs, at the cost it always had: a committed message is
 * one KV commit and one post; an event, a share change or a heartbeat is one
 * post, and nothing is posted while an isolate has no peer (a lone isolate
 * posts only its heartbeat). Share changes are posted as they happen, so a
 * peer's view is one channel hop behind; a peer heard for the first time is
 * sent every share whole (`cluster.shares` with `whole`).
 *
 * The channel does not leave the process: on Deno Deploy, or with several
 * processes, each would see only itself. Use the `kv` engine there.
 *
 * What outlives a message (the log, the rate limits' buckets, the leases) is
 * kept in a database the isolates share: Deno KV ({@linkcode kvLocalStores})
 * or PostgreSQL (`DATABASE_URL`: the storage's stores, see `../../storage.ts`).
 *
 * @example
 * ```ts
 * const stores = kvLocalStores({ kv, clock, log: { historyMax: 10_000 } });
 * const cluster = await createLocalCluster({
 *   stores, clock, instance: "a1b2c3d4e5f6", namespace: "switchboard-3f2c9e", expiryMs: 15_000,
 * });
 * cluster.feed.subscribe("general", (message, json) => socket.send(json));
 * await cluster.close();
 * ```
 */
import { z } from "zod";
import type { Clock } from "../../../time/clock.ts";
import { createBus, createEventBus } from "../../bus/mod.ts";
import {
  createMessageStore,
  type MessageStore,
  type MessageStoreOptions,
} from "../../store/mod.ts";
import type { Cluster, RateLimits } from "../cluster.ts";
import { createKvLease } from "../kv_lease.ts";
import type { Lease } from "../lease.ts";
import { createKvRateLimits } from "../kv_rate_limits.ts";
import { createSharesCore, type ShareEntry } from "../shares_core.ts";
import { createChannelInstances } from "./channel_instances.ts";

/** Where the local engine keeps what outlives a message, in a database its isolates share. */
export interface LocalClusterStores {
  /** The room log. */
  log: MessageStore;
  /** The login and guest buckets. */
  rateLimits: RateLimits;
  /** The lease `name`, as `holder` asks for it. */
  lease(name: string, holder: string, ttlMs?: number): Lease;
}

/**
 * The {@linkcode LocalClusterStores} in a KV database (the isolates of one
 * process share its file).
 *
 * @example
 * ```ts
 * const stores = kvLocalStores({ kv, clock, log: { historyMax: 10_000 } });
 * ```
 */
export function kvLocalStores(
  { kv, clock, log }: { kv: Deno.Kv; clock: Clock; log: Omit<MessageStoreOptions, "clock"> },
): LocalClusterStores {
  return {
    log: createMessageStore(kv, { ...log, clock }),
    rateLimits: createKvRateLimits({ kv, clock }),
    lease: (name, holder, ttlMs) => createKvLease({ kv, clock, name, holder, ttlMs }),
  };
}

/** Options of {@linkcode createLocalCluster}. */
export interface LocalClusterOptions {
  stores: LocalClusterStores;
  clock: Clock;
  instance: string;
  /** Isolates with the same namespace are one cluster; others never hear each other. */
  namespace: string;
  /** How long a peer counts after it was last heard. */
  expiryMs: number;
  /** A background failure; the engine keeps going. */
  onError?: (error: unknown) => void;
}

const SharesPost = z.object({
  instance: z.string().max(64),
  space: z.string().max(64),
  whole: z.boolean(),
  changes: z.array(z.tuple([z.string(), z.unknown()])),
});

/** Creates the local engine of one isolate and announces it to its peers. */
export function createLocalCluster(options: LocalClusterOptions): Promise<Cluster> {
  const { stores, clock, instance, namespace, expiryMs } = options;
  const onError = options.onError ?? ((error) => console.error("cluster:", error));
  const { log, rateLimits } = stores;
  const bus = createBus({ namespace, log, instance, onError });
  const instances = createChannelInstances({ channel: bus, instance, clock, expiryMs });

  /** Changes to post at the end of this turn, by space. */
  let queued = new Map<string, ShareEntry[]>();
  const postQueued = () => {
    const batch = queued;
    queued = new Map();
    for (const [space, changes] of batch) {
      bus.emit("cluster.shares", { instance, space, whole: false, changes });
    }
  };
  const shares = createSharesCore({
    instance,
    clock,
    onError,
    transport: {
      publish(space, changes) {
        // A peer that appears later is sent every share whole.
        if (!instances.hasPeers()) return;
        if (queued.size === 0) queueMicrotask(postQueued);
        const pending = queued.get(space);
        if (pending) pending.push(...changes);
        else queued.set(space, [...changes]);
      },
      // Posted at the end of the turn that set them; a post is delivered or the process is gone.
      flushed: () => new Promise((resolve) => queueMicrotask(resolve)),
    },
  });
  const stops = [
    bus.on("cluster.shares", (data) => {
      const parsed = SharesPost.safeParse(data);
      if (!parsed.success || !instances.isLive(parsed.data.instance)) return;
      const { space, changes, whole } = parsed.data;
      shares.receive(parsed.data.instance, space, changes, { whole });
    }),
    instances.onJoined(() => {
      for (const [space, changes] of shares.ownSpaces()) {
        bus.emit("cluster.shares", { instance, space, whole: true, changes });
      }
    }),
    instances.onGone((id) => shares.dropInstance(id)),
  ];
  instances.start();

  const events = createEventBus(bus);
  let closing: Promise<void> | null = null;

  return Promise.resolve({
    engine: "local",
    instance,
    log,
    feed: bus,
    events,
    instances,
    keyedShares: (space, spaceOptions) => shares.space(space, spaceOptions),
    rateLimits,
    lease: (name, leaseOptions) => stores.lease(name, instance, leaseOptions?.ttlMs),
    info: () => ({
      engine: "local",
      instance,
      instances: instances.live().length,
      expiry_ms: expiryMs,
    }),
    sweep: () => Promise.resolve(instances.prune()),
    close(closeOptions) {
      closing ??= (async () => {
        postQueued();
        shares.close();
        stops.forEach((stop) => stop());
        instances.close(closeOptions?.goodbye ?? true);
        await bus.close();
      })();
      return closing;
    },
  });
}

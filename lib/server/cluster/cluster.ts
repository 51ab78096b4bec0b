/**
 * The cluster seam: everything that spans instances goes through one
 * {@linkcode Cluster}, and an engine behind it decides how it travels. An
 * instance is one isolate that serves requests: a thread of `deno task start`,
 * a Deno Deploy instance, a process of a self-hosted cluster.
 *
 * | part | what crosses | local engine | kv engine | postgres engine |
 * | --- | --- | --- | --- | --- |
 * | `log`, `feed` | committed messages, each room's in seq order | the log in KV or PostgreSQL; a `BroadcastChannel` post per message | the log in KV; the commit bumps its room's shard signal, which every instance watches | the log in PostgreSQL; the commit notifies its room and head |
 * | `events` | typing (ephemeral), kicks, sign-outs, closures (reliable), fallback relays (directed) | `BroadcastChannel` | each instance's stream of records, woken by one watched key; directed ones in the addressee's mailbox | the same in tables, woken by `NOTIFY` |
 * | `instances` | who is alive | heartbeats on the channel | heartbeat entries expiring in KV | heartbeat rows |
 * | `keyedShares` | presence, connection counts, metrics snapshots: values each instance owns, counted while it lives | changes on the channel | entries in KV, their changes in the stream | rows, their changes in the stream |
 * | `rateLimits` | login and guest attempts | token buckets in KV (the isolates share the file) or PostgreSQL | token buckets in KV | token buckets in PostgreSQL |
 * | `lease` | one writer (the status history) | a lease in KV or PostgreSQL | a lease in KV | a lease in PostgreSQL |
 *
 * Every notice is a wake-up, never the only copy: a message is read from the
 * log, a reliable event or a share change from its sender's stream, a
 * directed event from the addressee's mailbox; whatever a watch coalesces or
 * a broken listening connection misses is found there. A share counts only while its instance's heartbeat does, so the
 * presence and connections of an instance that stops without a word vanish
 * within `expiryMs` and one heartbeat.
 *
 * @example
 * ```ts
 * const cluster = await createCluster({ engine: "kv", kv, clock, expiryMs: 15_000, log: { historyMax: 10_000 } });
 * cluster.events.emit("admin_kick", { user_id: "user:ada" }); // every instance hears it
 * const counts = cluster.keyedShares("connections", { schema: z.number() });
 * counts.set("u user:ada", 2);
 * counts.others("u user:ada"); // the other live instances' counts
 * await cluster.close();
 * ```
 */
import type { z } from "zod";
import type { EventBus, MessageBus } from "../bus/mod.ts";
import type { MessageStore } from "../store/mod.ts";
import type { Lease } from "./lease.ts";

/** The engines that carry the cluster plane. */
export const CLUSTER_ENGINES = ["local", "kv", "postgres"] as const;

/**
 * An engine's name: `local` (the isolates of one process), `kv` (instances
 * sharing a Deno KV) or `postgres` (processes sharing a PostgreSQL database).
 */
export type ClusterEngine = typeof CLUSTER_ENGINES[number];

/** The instances alive now, as this one sees them. */
export interface InstanceDirectory {
  /** The live instances' ids, this one first. */
  live(): string[];
  /** Whether `id` is alive (this instance always is). */
  isLive(id: string): boolean;
  /** Listens to instances seen alive for the first time. Returns the unsubscribe. */
  onJoined(listener: (id: string) => void): () => void;
  /**
   * Listens to instances that stopped counting: one that said goodbye, or
   * whose heartbeat was not renewed within the expiry. Returns the unsubscribe.
   */
  onGone(listener: (id: string) => void): () => void;
}

/** Another instance's value under a key changed; `value` null: it has none any more. */
export interface ShareChange<T> {
  instance: string;
  key: string;
  value: T | null;
}

/**
 * Values each instance owns by key (a user's connections, a room member's
 * presence, a metrics snapshot), read by every other: a value counts only
 * while its instance lives, and vanishes with it.
 */
export interface KeyedShares<T> {
  /**
   * Sets this instance's value under `key` (null removes it). The others see
   * it once it is published: at once in the local engine, with the next
   * commit in the kv engine (see `minIntervalMs`).
   */
  set(key: string, value: T | null): void;
  /** The other live instances' values under `key`. */
  others(key: string): T[];
  /**
   * Listens to the other instances' changes, removals included (an instance
   * that is gone removes every value it had). The listener first hears every
   * value known now, then each change. Returns the unsubscribe.
   */
  onChange(listener: (change: ShareChange<T>) => void): () => void;
  /** Resolves once every `set` so far has been published. */
  flushed(): Promise<void>;
}

/** How a space of keyed shares behaves. */
export interface KeyedSharesOptions<T> {
  /** What a value must parse as; another instance's values that do not are ignored. */
  schema: z.ZodType<T>;
  /**
   * A key is published at most once per this many ms: a change within it waits
   * and goes out as the key's latest value. Default 0 (with the next commit).
   */
  minIntervalMs?: number;
}

/** One token bucket of a rate limit: `burst` tokens, refilled at `perSecond`. */
export interface BucketSpec {
  /** The limit's name; with the key, it names the bucket. */
  name: string;
  key: string;
  burst: number;
  perSecond: number;
}

/** Token buckets shared by every instance. */
export interface RateLimits {
  /**
   * Takes one token from each bucket that has one, all at once: 0 when every
   * bucket had a token, else the ms until the emptiest one has. Cluster-wide
   * and exact: two instances never take the same token.
   */
  take(buckets: readonly BucketSpec[]): Promise<number>;
}

/** What a running cluster engine tells `/status`. */
export interface ClusterInfo {
  engine: ClusterEngine;
  /** This instance's id. */
  instance: string;
  /** The live instances, this one included. */
  instances: number;
  /** How long an instance counts after its last heartbeat. */
  expiry_ms: number;
}

/** The cluster plane of one instance. */
export interface Cluster {
  readonly engine: ClusterEngine;
  /** This instance's id: `hello.instance`, the owner in its session ids, the key of its shares. */
  readonly instance: string;
  /** The room log: seqs, idempotent sends, history, resume. */
  readonly log: MessageStore;
  /** Committed messages to every subscriber of their room, on every instance, once, in seq order. */
  readonly feed: MessageBus;
  /** Events to every instance or to one, typed by topic. */
  readonly events: EventBus;
  readonly instances: InstanceDirectory;
  /** The keyed shares of `space` (one object per space, however often asked). */
  keyedShares<T>(space: string, options: KeyedSharesOptions<T>): KeyedShares<T>;
  readonly rateLimits: RateLimits;
  /** The lease called `name`, held by this instance when it holds it. */
  lease(name: string, options?: { ttlMs?: number }): Lease;
  /** What `/status` shows of the cluster. */
  info(): ClusterInfo;
  /**
   * Drops now what stopped counting: instances whose heartbeat lapsed and
   * what they left behind. Returns how many instances were dropped.
   */
  sweep(): Promise<number>;
  /**
   * Stops every timer and watch. With `goodbye` (the default) it first tells
   * the others this instance is gone, so its shares stop counting at once;
   * without, it stops as a killed process would, and the others find out
   * when its heartbeat expires.
   */
  close(options?: { goodbye?: boolean }): Promise<void>;
}

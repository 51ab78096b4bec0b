/**
 * What the engines that keep records in a shared database (`kv`,
 * `postgres`) do alike once the records are read: the events channel over
 * their outbox (this instance's listeners hear an event at once, the others
 * through the records), the keyed shares published through the same outbox,
 * each other instance's stream records handed to the listeners and the
 * shares, and the wiring of the instance directory to the stream reader:
 *
 * - an instance seen alive is read from its newest record if it was alive
 *   when this one started (what came before is in its share values, read
 *   whole), from its first if it started since; its share values are read
 *   whole either way, so an instance dropped and seen again (its heartbeat
 *   lapsed meanwhile) counts its values again;
 * - an instance gone is no longer read, and its values stop counting;
 * - this instance's own heartbeat lapsed: every share of its own is published
 *   again (the others dropped them).
 *
 * How records are written, read and woken is the engine's; `assembleCluster`
 * puts an engine's parts together into the {@linkcode Cluster}, and closes
 * them in the one order that loses nothing.
 *
 * @example
 * ```ts
 * const plane = createStreamPlane({ instance, clock, outbox, onError });
 * const stops = plane.follow({ registry, reader, loadShares, starting: () => starting });
 * reader = createKvStreamReader({ ..., onRecord: plane.onRecord });
 * createEventBus(plane.channel);
 * ```
 */
import { z } from "zod";
import type { Clock } from "../../time/clock.ts";
import { createEventBus, type EventChannel, type EventListener } from "../bus/mod.ts";
import type { MessageStore } from "../store/mod.ts";
import type { Cluster, ClusterEngine, InstanceDirectory, RateLimits } from "./cluster.ts";
import type { Lease } from "./lease.ts";
import { createSharesCore, type ShareEntry, type SharesCore } from "./shares_core.ts";

/** Where the plane writes: an engine's outbox. */
export interface PlaneOutbox {
  event(topic: string, data: unknown, ephemeral: boolean): void;
  share(space: string, changes: ShareEntry[]): void;
  mail(to: string, topic: string, data: unknown): void;
  /** Resolves once everything queued so far is written. */
  flushed(): Promise<void>;
  /** Stops after the write in flight. */
  close(): Promise<void>;
}

/** The engine's reader of the other instances' streams. */
export interface PlaneStreamReader {
  startAt(sender: string, from: "latest" | "first"): Promise<void>;
  forget(sender: string): void;
  wake(): void;
  /** Resolves once the reads asked for so far are done. */
  idle(): Promise<void>;
}

/** The engine's instance directory, which also says when this instance's heartbeat lapsed. */
export interface PlaneRegistry extends InstanceDirectory {
  onLapsed(listener: () => void): () => void;
  sweep(): Promise<number>;
  /** Stops beating; with `goodbye`, removes this instance and what it holds. */
  close(goodbye: boolean): Promise<void>;
}

/** Options of {@linkcode createStreamPlane}. */
export interface StreamPlaneOptions {
  instance: string;
  clock: Clock;
  outbox: PlaneOutbox;
  onError: (error: unknown) => void;
}

/** The shared part of one instance of a records engine. */
export interface StreamPlane {
  /** The events channel (wrap it in `createEventBus`). */
  channel: EventChannel;
  /** Hands a directed event (a mail) to this instance's listeners. */
  dispatch(topic: string, data: unknown): void;
  shares: SharesCore;
  /** A record of another instance's stream, in its order. */
  onRecord(sender: string, record: unknown): void;
  /**
   * What a reader that finds records of a sender missed does: says so (only
   * events can be lost that way), then reads the sender's values whole.
   */
  reloadOnGap(
    loadShares: (sender: string) => Promise<void>,
  ): (sender: string, missed: number) => Promise<void>;
  /** Every value `sender` holds now, by space: any other value of it stops counting. */
  receiveWhole(sender: string, bySpace: Map<string, ShareEntry[]>): void;
  /**
   * Wires the directory to the reader; `loadShares` reads an instance's
   * values whole, `starting` says whether this instance is still starting.
   * Returns the stops.
   */
  follow(wiring: {
    registry: PlaneRegistry;
    reader: PlaneStreamReader;
    loadShares(sender: string): Promise<void>;
    starting(): boolean;
  }): (() => void)[];
  /** Stops the shares' timers and forgets every listener. */
  close(): void;
}

/** A stream record as both engines write it. */
const StreamRecord = z.object({
  items: z.array(z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("event"), topic: z.string(), data: z.unknown() }),
    z.object({
      kind: z.literal("share"),
      space: z.string(),
      changes: z.array(z.tuple([z.string(), z.unknown()])),
    }),
  ])),
});

/** Creates the shared part of one instance. */
export function createStreamPlane(options: StreamPlaneOptions): StreamPlane {
  const { instance, clock, outbox, onError } = options;
  const topics = new Map<string, Set<EventListener>>();
  const dispatch = (topic: string, data: unknown) => {
    for (const listener of topics.get(topic) ?? []) {
      try {
        listener(data);
      } catch (error) {
        onError(error);
      }
    }
  };
  const channel: EventChannel = {
    emit(topic, data, emitOptions) {
      dispatch(topic, data);
      outbox.event(topic, data, emitOptions?.ephemeral ?? false);
    },
    sendTo(to, topic, data) {
      if (to === instance) dispatch(topic, data);
      else outbox.mail(to, topic, data);
    },
    on(topic, listener) {
      const listeners = topics.get(topic) ?? new Set();
      topics.set(topic, listeners);
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  const shares = createSharesCore({
    instance,
    clock,
    onError,
    transport: {
      publish: (space, changes) => outbox.share(space, changes),
      flushed: () => outbox.flushed(),
    },
  });

  return {
    channel,
    dispatch,
    shares,
    onRecord(sender, record) {
      const parsed = StreamRecord.safeParse(record);
      if (!parsed.success) return onError(new Error(`a malformed record from ${sender}`));
      for (const item of parsed.data.items) {
        if (item.kind === "event") dispatch(item.topic, item.data);
        else shares.receive(sender, item.space, item.changes, { whole: false });
      }
    },
    reloadOnGap: (loadShares) => async (sender, missed) => {
      onError(
        new Error(`cluster: ${missed} records of ${sender} were missed; reloading its shares`),
      );
      await loadShares(sender);
    },
    receiveWhole(sender, bySpace) {
      for (const space of shares.spacesOf(sender)) if (!bySpace.has(space)) bySpace.set(space, []);
      for (const [space, entries] of bySpace) {
        shares.receive(sender, space, entries, { whole: true });
      }
    },
    follow({ registry, reader, loadShares, starting }) {
      return [
        registry.onJoined((sender) => {
          reader.startAt(sender, starting() ? "latest" : "first")
            .then(() => loadShares(sender))
            .then(() => reader.wake())
            .catch(onError);
        }),
        registry.onGone((sender) => {
          reader.forget(sender);
          shares.dropInstance(sender);
        }),
        registry.onLapsed(() => {
          for (const [space, entries] of shares.ownSpaces()) outbox.share(space, entries);
        }),
      ];
    },
    close() {
      shares.close();
      topics.clear();
    },
  };
}

/** An engine's parts, started. */
export interface ClusterParts {
  engine: ClusterEngine;
  instance: string;
  expiryMs: number;
  log: MessageStore;
  feed: Cluster["feed"] & { close(): Promise<void> };
  plane: StreamPlane;
  /** What `plane.follow` returned. */
  stops: (() => void)[];
  outbox: PlaneOutbox;
  registry: PlaneRegistry;
  reader: PlaneStreamReader;
  mailbox: { idle(): Promise<void> };
  /** Stops the wake-ups (the engine's watch or listener). */
  stopWaking(): Promise<void>;
  rateLimits: RateLimits;
  lease(name: string, ttlMs?: number): Lease;
}

/**
 * The {@linkcode Cluster} of an engine's parts. Closing flushes the outbox
 * first (with the goodbye), stops the wake-ups, lets the reads in flight end,
 * then the outbox, the registry (deleting what this instance holds, with the
 * goodbye) and the feed.
 */
export function assembleCluster(parts: ClusterParts): Cluster {
  const { engine, instance, expiryMs, plane, outbox, registry, feed } = parts;
  let closing: Promise<void> | null = null;
  return {
    engine,
    instance,
    log: parts.log,
    feed,
    events: createEventBus(plane.channel),
    instances: registry,
    keyedShares: (space, spaceOptions) => plane.shares.space(space, spaceOptions),
    rateLimits: parts.rateLimits,
    lease: (name, leaseOptions) => parts.lease(name, leaseOptions?.ttlMs),
    info: () => ({ engine, instance, instances: registry.live().length, expiry_ms: expiryMs }),
    sweep: () => registry.sweep(),
    close(closeOptions) {
      closing ??= (async () => {
        const goodbye = closeOptions?.goodbye ?? true;
        if (goodbye) await outbox.flushed();
        parts.stops.forEach((stop) => stop());
        plane.close();
        await parts.stopWaking();
        await Promise.all([parts.reader.idle(), parts.mailbox.idle()]);
        await outbox.close();
        await registry.close(goodbye);
        await feed.close();
      })();
      return closing;
    },
  };
}

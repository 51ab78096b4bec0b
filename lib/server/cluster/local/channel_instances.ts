/**
 * The {@linkcode InstanceDirectory} of the local engine: the isolates of one
 * process find each other on their `BroadcastChannel`. Each says `sync` when
 * it starts (the others answer with a heartbeat), repeats a heartbeat every
 * third of `expiryMs`, and says goodbye when it stops. A peer heard for the
 * first time is told this isolate's shares (`onJoined`); a peer not heard
 * within `expiryMs` is gone, checked at each heartbeat.
 *
 * | topic | payload | when |
 * | --- | --- | --- |
 * | `cluster.sync` | `{ instance }` | an isolate starts: every peer answers with a heartbeat |
 * | `cluster.heartbeat` | `{ instance }` | every `expiryMs / 3`, and in answer to `sync` |
 * | `cluster.goodbye` | `{ instance }` | an isolate stops |
 *
 * @example
 * ```ts
 * const instances = createChannelInstances({ channel: bus, instance, clock, expiryMs: 15_000 });
 * instances.onJoined((peer) => sendEveryShareTo(peer));
 * instances.start();
 * instances.live(); // [instance, ...the peers heard from]
 * ```
 */
import { z } from "zod";
import type { Clock, TimerId } from "../../../time/clock.ts";
import type { EventChannel } from "../../bus/mod.ts";
import type { InstanceDirectory } from "../cluster.ts";
import { createPeerSet } from "../peer_set.ts";

const Announcement = z.object({ instance: z.string().max(64) });

/** Options of {@linkcode createChannelInstances}. */
export interface ChannelInstancesOptions {
  channel: EventChannel;
  instance: string;
  clock: Clock;
  expiryMs: number;
}

/** The directory, and what the local engine drives it with. */
export interface ChannelInstances extends InstanceDirectory {
  /** Whether any peer is alive: with none, changes need not be posted. */
  hasPeers(): boolean;
  /** Says `sync` and starts the heartbeat. */
  start(): void;
  /** Drops the peers not heard within the expiry; returns how many. */
  prune(): number;
  /** Stops the heartbeat, saying goodbye unless told not to. */
  close(goodbye: boolean): void;
}

/** Creates the directory of one isolate; it says nothing until started. */
export function createChannelInstances(options: ChannelInstancesOptions): ChannelInstances {
  const { channel, instance, clock, expiryMs } = options;
  /** peer → when it was last heard. */
  const peers = createPeerSet<number>(instance);
  let timer: TimerId | undefined;

  const heard = (data: unknown): string | undefined => {
    const parsed = Announcement.safeParse(data);
    if (!parsed.success || parsed.data.instance === instance) return undefined;
    const id = parsed.data.instance;
    peers.set(id, clock.now());
    return id;
  };

  const prune = () => {
    const now = clock.now();
    let dropped = 0;
    for (const [id, at] of peers.entries()) {
      if (now - at < expiryMs) continue;
      peers.drop(id);
      dropped++;
    }
    return dropped;
  };

  const stops = [
    channel.on("cluster.heartbeat", heard),
    channel.on("cluster.sync", (data) => {
      const parsed = Announcement.safeParse(data);
      if (!parsed.success || parsed.data.instance === instance) return;
      // The answer goes first: a new peer must know this isolate before it hears its shares.
      channel.emit("cluster.heartbeat", { instance });
      heard(data);
    }),
    channel.on("cluster.goodbye", (data) => {
      const parsed = Announcement.safeParse(data);
      if (parsed.success) peers.drop(parsed.data.instance);
    }),
  ];

  return {
    live: peers.live,
    isLive: peers.isLive,
    onGone: peers.onGone,
    onJoined: peers.onJoined,
    hasPeers: () => peers.size() > 0,
    start() {
      channel.emit("cluster.sync", { instance });
      timer = clock.setInterval(() => {
        channel.emit("cluster.heartbeat", { instance });
        prune();
      }, expiryMs / 3);
    },
    prune,
    close(goodbye) {
      if (timer !== undefined) clock.clearInterval(timer);
      timer = undefined;
      if (goodbye) channel.emit("cluster.goodbye", { instance });
      stops.forEach((stop) => stop());
      peers.clearListeners();
    },
  };
}

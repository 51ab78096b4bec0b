/**
 * The rooms one isolate serves, each with its feed (`room_feed.ts`) and its
 * listeners: a room's feed opens with its first listener and is let go, once
 * idle, with its last. The local bus and the kv engine's feed both keep their
 * rooms here; they differ only in how a commit made elsewhere reaches a feed.
 *
 * @example
 * ```ts
 * const rooms = createRoomSubscriptions({ log: store, onError: console.error });
 * const unsubscribe = rooms.subscribe("general", (message, json) => socket.send(json));
 * rooms.feed("general")?.offer(message); // delivered once, in seq order
 * unsubscribe();
 * await rooms.close();
 * ```
 */
import type { MessageListener } from "./bus.ts";
import { createRoomFeed, type MessageLog, type RoomFeed } from "./room_feed.ts";

/** Options of {@linkcode createRoomSubscriptions}. */
export interface RoomSubscriptionsOptions {
  log: MessageLog;
  /** A listener that threw, or a log read that failed. */
  onError(error: unknown): void;
}

/** The rooms of one isolate that have listeners. */
export interface RoomSubscriptions {
  /** The feed of `room`, while it has listeners here. */
  feed(room: string): RoomFeed | undefined;
  /** The rooms with listeners here. */
  rooms(): string[];
  /** Adds a listener of `room`'s messages; returns the unsubscribe. Nothing after `close`. */
  subscribe(room: string, listener: MessageListener): () => void;
  /** Resolves once the feed of `room` (of every room when absent) handled what it was given. */
  idle(room?: string): Promise<void>;
  /** Lets every feed go once idle; afterwards `subscribe` does nothing. */
  close(): Promise<void>;
}

interface Subscription {
  feed: RoomFeed;
  listeners: Set<MessageListener>;
}

/** Creates the {@linkcode RoomSubscriptions} of one isolate. */
export function createRoomSubscriptions(options: RoomSubscriptionsOptions): RoomSubscriptions {
  const { log, onError } = options;
  const subscriptions = new Map<string, Subscription>();
  // Feeds let go of, still finishing what they were given.
  const closing = new Set<Promise<void>>();
  let closed = false;

  const open = (room: string): Subscription => {
    const listeners = new Set<MessageListener>();
    const feed = createRoomFeed({
      room,
      log,
      onError,
      deliver(message) {
        // Serialized once per message, whatever the number of listeners.
        const json = JSON.stringify({ type: "message", ...message });
        for (const listener of listeners) {
          try {
            listener(message, json);
          } catch (error) {
            onError(error);
          }
        }
      },
    });
    const subscription = { feed, listeners };
    subscriptions.set(room, subscription);
    return subscription;
  };

  const letGo = (room: string, subscription: Subscription) => {
    subscriptions.delete(room);
    const done = subscription.feed.idle().catch(onError).finally(() => closing.delete(done));
    closing.add(done);
  };

  return {
    feed: (room) => subscriptions.get(room)?.feed,
    rooms: () => [...subscriptions.keys()],
    subscribe(room, listener) {
      if (closed) return () => {};
      const subscription = subscriptions.get(room) ?? open(room);
      subscription.listeners.add(listener);
      return () => {
        subscription.listeners.delete(listener);
        if (subscription.listeners.size === 0 && subscriptions.get(room) === subscription) {
          letGo(room, subscription);
        }
      };
    },
    async idle(room) {
      const feeds = room === undefined ? [...subscriptions.values()] : [subscriptions.get(room)];
      await Promise.all(feeds.map((subscription) => subscription?.feed.idle()));
    },
    async close() {
      closed = true;
      for (const [room, subscription] of subscriptions) letGo(room, subscription);
      await Promise.all(closing);
    },
  };
}

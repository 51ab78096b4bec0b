/**
 * The kv engine's fan-out of committed messages: each room this instance
 * serves has a feed (`../../bus/room_feed.ts`: each seq once, in order, gaps
 * read from the log). A message committed here is handed to its feed
 * directly; one committed on another instance is found through its room's
 * shard signal, which the commit bumped in the same atomic operation: when a
 * shard's signal moves, the heads of this instance's rooms in that shard are
 * read (one `getMany` per ten rooms) and each feed catches up to its head.
 * Heads this instance committed itself are skipped, since its own publish
 * delivers them.
 *
 * @example
 * ```ts
 * const feed = createKvFeed({ kv, log: store, onError });
 * feed.subscribe("general", (message, json) => socket.send(json));
 * feed.shardChanged(roomShard("general")); // a commit elsewhere moved the head
 * ```
 */
import type { Message } from "../../../protocol/mod.ts";
import {
  createRoomFeed,
  type MessageBus,
  type MessageListener,
  type MessageLog,
  type RoomFeed,
} from "../../bus/mod.ts";
import { roomHeadKey } from "../../store/mod.ts";
import { roomShard } from "./kv_keys.ts";

/** Options of {@linkcode createKvFeed}. */
export interface KvFeedOptions {
  kv: Deno.Kv;
  log: MessageLog;
  onError: (error: unknown) => void;
}

/** The fan-out, and what the watch drives it with. */
export interface KvFeed extends MessageBus {
  /** A shard's signal moved: its rooms here catch up to their heads. */
  shardChanged(shard: number): void;
  /** Every room here catches up (the watch reopened). */
  catchUpAll(): void;
  close(): Promise<void>;
}

interface Subscription {
  feed: RoomFeed;
  listeners: Set<MessageListener>;
}

/** `getMany` reads at most 10 keys at a time. */
const GET_MANY_LIMIT = 10;

/** Creates the fan-out of one instance. */
export function createKvFeed(options: KvFeedOptions): KvFeed {
  const { kv, log, onError } = options;
  const rooms = new Map<string, Subscription>();
  const closing = new Set<Promise<void>>();
  let closed = false;

  const guarded = (listener: MessageListener, message: Message, json: string) => {
    try {
      listener(message, json);
    } catch (error) {
      onError(error);
    }
  };

  const catchUp = async (names: string[]) => {
    for (let start = 0; start < names.length; start += GET_MANY_LIMIT) {
      const chunk = names.slice(start, start + GET_MANY_LIMIT);
      const heads = await kv.getMany<number[]>(chunk.map(roomHeadKey));
      heads.forEach((entry, index) => {
        const head = entry.value;
        const room = chunk[index];
        // A head this instance committed is published here right after the commit.
        if (typeof head === "number" && head > (log.committedHead?.(room) ?? 0)) {
          rooms.get(room)?.feed.catchUp(head);
        }
      });
    }
  };

  const open = (room: string): Subscription => {
    const listeners = new Set<MessageListener>();
    const feed = createRoomFeed({
      room,
      log,
      onError,
      deliver(message) {
        const json = JSON.stringify({ type: "message", ...message });
        for (const listener of listeners) guarded(listener, message, json);
      },
    });
    const subscription = { feed, listeners };
    rooms.set(room, subscription);
    return subscription;
  };

  return {
    publish(message) {
      if (!closed) rooms.get(message.room)?.feed.offer(message);
    },
    subscribe(room, listener) {
      if (closed) return () => {};
      const subscription = rooms.get(room) ?? open(room);
      subscription.listeners.add(listener);
      return () => {
        subscription.listeners.delete(listener);
        if (subscription.listeners.size > 0 || rooms.get(room) !== subscription) return;
        rooms.delete(room);
        const done = subscription.feed.idle().finally(() => closing.delete(done));
        closing.add(done);
      };
    },
    async idle(room) {
      const feeds = room === undefined ? [...rooms.values()] : [rooms.get(room)];
      await Promise.all(feeds.map((subscription) => subscription?.feed.idle()));
    },
    shardChanged(shard) {
      const names = [...rooms.keys()].filter((room) => roomShard(room) === shard);
      if (names.length > 0) catchUp(names).catch(onError);
    },
    catchUpAll() {
      if (rooms.size > 0) catchUp([...rooms.keys()]).catch(onError);
    },
    async close() {
      closed = true;
      await Promise.all([...rooms.values()].map(({ feed }) => feed.idle()));
      rooms.clear();
      await Promise.all(closing);
    },
  };
}

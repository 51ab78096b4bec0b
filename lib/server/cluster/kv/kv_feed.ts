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
import { createRoomSubscriptions, type MessageBus, type MessageLog } from "../../bus/mod.ts";
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

/** `getMany` reads at most 10 keys at a time. */
const GET_MANY_LIMIT = 10;

/** Creates the fan-out of one instance. */
export function createKvFeed(options: KvFeedOptions): KvFeed {
  const { kv, log, onError } = options;
  const rooms = createRoomSubscriptions({ log, onError });

  const catchUp = async (names: string[]) => {
    for (let start = 0; start < names.length; start += GET_MANY_LIMIT) {
      const chunk = names.slice(start, start + GET_MANY_LIMIT);
      const heads = await kv.getMany<number[]>(chunk.map(roomHeadKey));
      heads.forEach((entry, index) => {
        const head = entry.value;
        const room = chunk[index];
        // A head this instance committed is published here right after the commit.
        if (typeof head === "number" && head > (log.committedHead?.(room) ?? 0)) {
          rooms.feed(room)?.catchUp(head);
        }
      });
    }
  };

  return {
    publish(message) {
      rooms.feed(message.room)?.offer(message);
    },
    subscribe: (room, listener) => rooms.subscribe(room, listener),
    idle: (room) => rooms.idle(room),
    shardChanged(shard) {
      const names = rooms.rooms().filter((room) => roomShard(room) === shard);
      if (names.length > 0) catchUp(names).catch(onError);
    },
    catchUpAll() {
      const names = rooms.rooms();
      if (names.length > 0) catchUp(names).catch(onError);
    },
    close: () => rooms.close(),
  };
}

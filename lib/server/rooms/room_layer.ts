/**
 * The whole room layer of one instance, on the cluster plane: the log and the
 * fan-out of committed messages (`cluster.log`, `cluster.feed`), typing and
 * membership news over its events, presence over its shares, the closed
 * rooms, membership, and the room service on top. This is what the server
 * hands the hub.
 *
 * @example
 * ```ts
 * const layer = createRoomLayer({
 *   cluster,
 *   closedRooms: createKvClosedRoomFlags(kv),
 *   memberships: createKvMembershipStore({ kv }),
 *   clock,
 *   config,
 *   findUser: (name) => accounts.resolve(name, Date.now()),
 * });
 * const hub = createHub({ ...deps, rooms: layer.service });
 * // on shutdown, after the hub closed its sockets, before the cluster closes:
 * await layer.close();
 * ```
 */
import type { Message, PublicUser } from "../../protocol/mod.ts";
import type { SearchIndex } from "../search/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { Cluster } from "../cluster/mod.ts";
import { createPresence, type Presence, presenceShares } from "../presence/mod.ts";
import type { MessageStore } from "../store/mod.ts";
import type { MembershipStore, ReadPositions } from "../membership/mod.ts";
import { type ClosedRoomFlags, createRoomClosures, type RoomClosures } from "./room_closures.ts";
import { createRoomService, type RoomMetrics, type RoomService } from "./room_service.ts";

/** Options of {@linkcode createRoomLayer}. `Config` from `lib/server/config.ts` fits `config`. */
export interface RoomLayerOptions {
  /** The log, the fan-out, the events and the shares of every instance. */
  cluster: Pick<Cluster, "log" | "feed" | "events" | "keyedShares">;
  /** Where the closed rooms' flags are kept (`createKvClosedRoomFlags`, `createPgClosedRoomFlags`). */
  closedRooms: ClosedRoomFlags;
  /** Rooms' metadata, members and invitations (`createKvMembershipStore`, `createPgMembershipStore`). */
  memberships: MembershipStore;
  /** Each account's read positions (`createKvReadPositions`, `createPgReadPositions`). */
  readPositions: ReadPositions;
  /** Where `search` looks (`createKvSearchIndex`, `createPgSearchIndex`). */
  search: Pick<SearchIndex, "search">;
  /** Told each entry committed here, after its ack (the search indexer). Default: nobody. */
  onCommitted?: (room: string, entry: Message) => void;
  clock: Clock;
  config: {
    maxTextChars: number;
    /** Default 500. */
    joinPageMax?: number;
    /** Default 512 KiB. */
    maxReplyBytes?: number;
    /** Above this many users online a room is summarized (`PRESENCE_LIST_MAX`). Default 100. */
    presenceListMax?: number;
  };
  /** How long a last connection must stay gone before its user leaves. Default 3 000 ms. */
  leaveDelayMs?: number;
  /** Background failures (a log read of the fan-out, a failed commit). Default: `console.error`. */
  onError?: (error: unknown) => void;
  /** Where the room service reports. Default: a metric set nobody reads. */
  metrics?: RoomMetrics;
  /** The account, or active guest, that goes by a name (`invite`, `dm`, roles, removals). */
  findUser(name: string): Promise<PublicUser | null>;
}

/** The parts of the room layer; `service` is the hub's `RoomHandler`. */
export interface RoomLayer {
  store: MessageStore;
  presence: Presence;
  closures: RoomClosures;
  memberships: MembershipStore;
  service: RoomService;
  /** Closes the service and presence; not the cluster, nor the KV. */
  close(): Promise<void>;
}

/** Creates a {@linkcode RoomLayer}. */
export function createRoomLayer(options: RoomLayerOptions): RoomLayer {
  const { cluster, closedRooms, memberships, clock, config, onError } = options;
  const { events } = cluster;
  const store = cluster.log;
  const presence = createPresence({
    shares: presenceShares(cluster),
    clock,
    leaveDelayMs: options.leaveDelayMs,
  });
  const closures = createRoomClosures({ flags: closedRooms, events, clock });
  const service = createRoomService({
    store,
    bus: cluster.feed,
    events,
    presence,
    clock,
    config: {
      maxTextChars: config.maxTextChars,
      joinPageMax: config.joinPageMax,
      maxReplyBytes: config.maxReplyBytes,
      presenceListMax: config.presenceListMax,
    },
    onError,
    metrics: options.metrics,
    closures,
    memberships,
    readPositions: options.readPositions,
    search: options.search,
    onCommitted: options.onCommitted,
    findUser: options.findUser,
  });
  return {
    store,
    presence,
    closures,
    memberships,
    service,
    async close() {
      await service.close();
      closures.stop();
      presence.close();
    },
  };
}

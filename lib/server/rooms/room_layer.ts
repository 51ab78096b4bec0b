/**
 * The whole room layer of one isolate, built from a KV database: the log, the
 * bus (BroadcastChannel between isolates, a KV watch across instances),
 * presence, membership and the room service on top. This is what the server
 * hands the hub.
 *
 * @example
 * ```ts
 * const layer = createRoomLayer({ kv, clock, config, findUser: (name) => accounts.resolve(name) });
 * const hub = createHub({ ...deps, rooms: layer.service });
 * // on shutdown, after the hub closed its sockets:
 * await layer.close();
 * ```
 */
import type { PublicUser } from "../../protocol/mod.ts";
import type { Clock } from "../../time/clock.ts";
import { type Bus, createBus, createEventBus, type EventBus } from "../bus/mod.ts";
import { createPresence, type Presence } from "../presence/mod.ts";
import { createMessageStore, type MessageStore } from "../store/mod.ts";
import { createKvMembershipStore, type MembershipStore } from "../membership/mod.ts";
import { createRoomClosures, type RoomClosures } from "./room_closures.ts";
import { createRoomService, type RoomMetrics, type RoomService } from "./room_service.ts";

/** Options of {@linkcode createRoomLayer}. `Config` from `lib/server/config.ts` fits `config`. */
export interface RoomLayerOptions {
  kv: Deno.Kv;
  clock: Clock;
  /** `watchKv` false: no KV watch, fan-out between isolates goes over BroadcastChannel only. */
  config: {
    roomHistoryMax: number;
    maxTextChars: number;
    watchKv?: boolean;
    /** How long a room without messages stays listed (default 24 h). */
    emptyRoomTtlS?: number;
    /** Default 500. */
    joinPageMax?: number;
    /** Default 512 KiB. */
    maxReplyBytes?: number;
  };
  /** Isolates with the same namespace share fan-out and presence. Default `"switchboard"`. */
  namespace?: string;
  /** This isolate's name in presence announcements. Default: a random UUID. */
  isolate?: string;
  /** Background failures (a log read of the bus, a failed commit). Default: `console.error`. */
  onError?: (error: unknown) => void;
  /** Where the room service reports. Default: a metric set nobody reads. */
  metrics?: RoomMetrics;
  /** The account, or active guest, that goes by a name (`invite`, `dm`, roles, removals). */
  findUser(name: string): Promise<PublicUser | null>;
}

/** The parts of the room layer; `service` is the hub's `RoomHandler`. */
export interface RoomLayer {
  store: MessageStore;
  bus: Bus;
  /** The bus's events, typed by topic: what the rest of the server sends and hears on it. */
  events: EventBus;
  presence: Presence;
  closures: RoomClosures;
  memberships: MembershipStore;
  service: RoomService;
  /** Closes the service, presence (saying goodbye to the peers) and the bus; not the KV. */
  close(): Promise<void>;
}

/** Creates a {@linkcode RoomLayer}. */
export function createRoomLayer(options: RoomLayerOptions): RoomLayer {
  const { kv, clock, config, onError } = options;
  const store = createMessageStore(kv, {
    historyMax: config.roomHistoryMax,
    clock,
    unusedRoomTtlMs: config.emptyRoomTtlS === undefined ? undefined : config.emptyRoomTtlS * 1000,
  });
  const bus = createBus({
    namespace: options.namespace ?? "switchboard",
    log: store,
    kv: config.watchKv === false ? undefined : kv,
    onError,
  });
  const events = createEventBus(bus);
  const presence = createPresence({ events, clock, isolate: options.isolate });
  const closures = createRoomClosures({ kv, events, clock });
  const memberships = createKvMembershipStore({ kv });
  const service = createRoomService({
    store,
    bus,
    events,
    presence,
    clock,
    config: {
      maxTextChars: config.maxTextChars,
      joinPageMax: config.joinPageMax,
      maxReplyBytes: config.maxReplyBytes,
    },
    onError,
    metrics: options.metrics,
    closures,
    memberships,
    findUser: options.findUser,
  });
  return {
    store,
    bus,
    events,
    presence,
    closures,
    memberships,
    service,
    async close() {
      await service.close();
      closures.stop();
      presence.close();
      await bus.close();
    },
  };
}

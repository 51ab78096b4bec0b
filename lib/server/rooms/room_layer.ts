/**
 * The whole room layer of one isolate: the log, the bus (BroadcastChannel
 * between isolates, a KV watch across instances), presence and the room
 * service on top, built from a KV database or from the stores of another
 * engine (PostgreSQL). This is what the server hands the hub.
 *
 * @example
 * ```ts
 * const layer = createRoomLayer({ kv, clock, config });
 * const hub = createHub({ ...deps, rooms: layer.service });
 * // on shutdown, after the hub closed its sockets:
 * await layer.close();
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import { type Bus, createBus, createEventBus, type EventBus } from "../bus/mod.ts";
import { createPresence, type Presence } from "../presence/mod.ts";
import { createMessageStore, type MessageStore } from "../store/mod.ts";
import {
  type ClosedRoomFlags,
  createKvClosedRoomFlags,
  createRoomClosures,
  type RoomClosures,
} from "./room_closures.ts";
import { createRoomService, type RoomMetrics, type RoomService } from "./room_service.ts";

/** Options of {@linkcode createRoomLayer}. `Config` from `lib/server/config.ts` fits `config`. */
export interface RoomLayerOptions {
  /**
   * The KV database: the log and the closed flags are kept in it unless
   * `store` and `closedRooms` are given, and (with `watchKv`) its room heads
   * are watched. Without it, both must be given and nothing is watched.
   */
  kv?: Deno.Kv;
  /** The log, when it is not the KV store on `kv`. */
  store?: MessageStore;
  /** The closed flags, when they are not kept on `kv`. */
  closedRooms?: ClosedRoomFlags;
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
}

/** The parts of the room layer; `service` is the hub's `RoomHandler`. */
export interface RoomLayer {
  store: MessageStore;
  bus: Bus;
  /** The bus's events, typed by topic: what the rest of the server sends and hears on it. */
  events: EventBus;
  presence: Presence;
  closures: RoomClosures;
  service: RoomService;
  /** Closes the service, presence (saying goodbye to the peers) and the bus; not the KV. */
  close(): Promise<void>;
}

/** Creates a {@linkcode RoomLayer}. */
export function createRoomLayer(options: RoomLayerOptions): RoomLayer {
  const { kv, clock, config, onError } = options;
  const onKv = () => {
    if (!kv) throw new TypeError("createRoomLayer needs kv, or both store and closedRooms");
    return kv;
  };
  const store = options.store ?? createMessageStore(onKv(), {
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
  const flags = options.closedRooms ?? createKvClosedRoomFlags(onKv());
  const closures = createRoomClosures({ flags, events, clock });
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
  });
  return {
    store,
    bus,
    events,
    presence,
    closures,
    service,
    async close() {
      await service.close();
      closures.stop();
      presence.close();
      await bus.close();
    },
  };
}

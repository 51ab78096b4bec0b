/**
 * The room service: the room layer the hub hands each room frame to (`join`,
 * `leave`, `send`, `history`, `typing`, `members`), one at a time per connection, tying
 * the log, the bus and presence together; every reply goes back through
 * {@linkcode RoomMember.sendText}. It also lists the rooms for `GET /api/rooms`.
 *
 * Zero loss and no duplicates per connection: a `send` is acked only after the
 * log committed it; `join` replays from the log, and each member remembers the
 * highest seq it was sent, so a message that both the replay and the bus carry
 * is sent once. What each frame does is `room_frames.ts`; the rooms of this
 * isolate, the fan-out into them and presence frames are `local_rooms.ts`; the
 * replies and their bounds are `room_replies.ts`; the member list's pages are
 * `members_frame.ts`. A room an administrator
 * closed (`room_closures.ts`) refuses joins, sends and history with
 * `forbidden`; its members get `error` and `left` when it closes.
 *
 * @example
 * ```ts
 * const rooms = createRoomService({
 *   store, bus, events, presence, clock, config: { maxTextChars: 4000 },
 * });
 * await rooms.handle(connection, { type: "join", room: "general" }); // connection gets `joined`
 * await rooms.disconnect(connection);
 * await rooms.close();
 * ```
 */
import { DEFAULT_ROOM, type RoomFrame } from "../../protocol/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { EventBus, MessageBus } from "../bus/mod.ts";
import {
  createIsolateIdentity,
  createSwitchboardMetrics,
  type SwitchboardMetrics,
} from "../metrics/mod.ts";
import type { Presence } from "../presence/mod.ts";
import type { MessageStore } from "../store/mod.ts";
import { createLocalRooms } from "./local_rooms.ts";
import { createMembersFrame } from "./members_frame.ts";
import type { RoomMember } from "./member.ts";
import type { RoomClosures } from "./room_closures.ts";
import { createRoomFrames } from "./room_frames.ts";
import type { RoomHandler } from "./room_handler.ts";
import { createRoomReplies } from "./room_replies.ts";

/** Limits of the room service. `Config` from `lib/server/config.ts` fits. */
export interface RoomServiceConfig {
  /** Longest message text, in characters (`MAX_TEXT_CHARS`). */
  maxTextChars: number;
  /** Messages in a history page when the client gives no limit. Default 50. */
  pageSize?: number;
  /** A connection's `typing` in a room is passed on at most once per this. Default 1 000 ms. */
  typingIntervalMs?: number;
  /** Presence changes in a room within this of the last frame are merged into one. Default 50 ms. */
  presenceTickMs?: number;
  /**
   * A room with more users online is big (`PRESENCE_LIST_MAX`): `joined` lists
   * this many and counts them all, presence and typing are summarized. Default 100.
   */
  presenceListMax?: number;
  /** A big room's members get at most one presence and one typing frame per this. Default 1 000 ms. */
  summaryIntervalMs?: number;
  /** Most messages a `joined` catch-up carries before it says `more` (`JOIN_PAGE_MAX`). Default 500. */
  joinPageMax?: number;
  /** Largest `joined` or `history` reply, in bytes (`MAX_REPLY_BYTES`). Default 512 KiB. */
  maxReplyBytes?: number;
}

/** The metrics the room service reports to. */
export type RoomMetrics = Pick<
  SwitchboardMetrics,
  | "framesSent"
  | "errorsSent"
  | "messagesCommitted"
  | "commitLatency"
  | "fanoutDeliveries"
  | "fanoutLatency"
  | "deliveryLatency"
  | "reconnects"
  | "roomsActive"
  | "kvUp"
  | "errors"
  | "rooms"
>;

/** What {@linkcode createRoomService} is made from. */
export interface RoomServiceDeps {
  store: MessageStore;
  /** Fans committed messages out to every instance. */
  bus: MessageBus;
  /** Carries typing (topic `typing`) to every instance. */
  events: EventBus;
  presence: Presence;
  clock: Clock;
  config: RoomServiceConfig;
  /** Default: a metric set of its own that nobody reads. */
  metrics?: RoomMetrics;
  /** Rooms closed by an administrator. Default: no room is ever closed. */
  closures?: RoomClosures;
  /** A failure that could only be logged (the client got `internal`). Default: `console.error`. */
  onError?: (error: unknown) => void;
}

/** A room and how many users are online in it, for `GET /api/rooms`. */
export interface RoomSummary {
  name: string;
  members: number;
}

/** A page of {@linkcode RoomService.listRooms}. */
export interface RoomListPage {
  rooms: RoomSummary[];
  next: string | null;
}

/** The room layer the hub hands room frames to, and what `GET /api/rooms` lists. */
export interface RoomService extends RoomHandler {
  /**
   * Answers one room frame; never throws (failures become `error` frames).
   * `receivedAt` (default now) is when the frame arrived, for latency metrics.
   */
  handle(member: RoomMember, frame: RoomFrame, receivedAt?: number): Promise<void>;
  /** The connection closed: it leaves every room, without replies. */
  disconnect(member: RoomMember): Promise<void>;
  /**
   * A page of the rooms that exist and are not closed (`general` always), by
   * name after `after`, with their online users, and the `after` of the next
   * page (null after the last). A page may hold fewer than `limit` rooms and
   * still have a next one.
   */
  listRooms(options: { after?: string; limit: number }): Promise<RoomListPage>;
  /** Drops every subscription of the service; the store, bus and presence stay open. */
  close(): Promise<void>;
}

/** Creates a {@linkcode RoomService}. */
export function createRoomService(deps: RoomServiceDeps): RoomService {
  const { store, bus, events, presence, clock, config, closures } = deps;
  const metrics = deps.metrics ??
    createSwitchboardMetrics({
      clock,
      identity: createIsolateIdentity({ clock, version: "", buildId: "" }),
    });
  const onError = deps.onError ?? ((error) => console.error("rooms:", error));
  const limits = {
    maxTextChars: config.maxTextChars,
    pageSize: config.pageSize ?? 50,
    typingIntervalMs: config.typingIntervalMs ?? 1_000,
    joinPageMax: config.joinPageMax ?? 500,
    maxReplyBytes: config.maxReplyBytes ?? 512 * 1024,
    presenceListMax: config.presenceListMax ?? 100,
  };
  /** Set by close: leaving rooms then writes nothing, as the store is about to close. */
  let closing = false;

  /** The store failed: the client is told `internal`, the metrics and the admin view are told why. */
  const storeFailed = (error: unknown) => {
    onError(error);
    metrics.kvUp.set(0);
    metrics.errors.record("internal", String(error));
  };

  const replies = createRoomReplies({ metrics, maxReplyBytes: limits.maxReplyBytes });
  const local = createLocalRooms({
    bus,
    presence,
    clock,
    metrics,
    presenceTickMs: config.presenceTickMs ?? 50,
    presenceListMax: limits.presenceListMax,
    summaryIntervalMs: config.summaryIntervalMs ?? 1_000,
    // A room someone joined that never saw a message stays listed a while from now.
    onUnused: (name) => {
      if (!closing) store.ensureRoom(name).catch(storeFailed);
    },
  });
  const frames = createRoomFrames({
    store,
    bus,
    events,
    presence,
    clock,
    closures,
    metrics,
    local,
    replies,
    limits,
    storeFailed,
  });

  const members = createMembersFrame({ presence, closures, replies });

  const stopTyping = events.on("typing", ({ room, user }) => local.typing(room, user));

  const stopClosures = closures?.onClosed((name) => {
    for (const member of local.membersOf(name)) {
      local.remove(name, member);
      replies.replyError(member, name, "forbidden", `${name} was closed by an administrator`);
      replies.reply(member, { type: "left", room: name });
    }
  });

  return {
    async handle(member, frame, receivedAt = clock.now()) {
      try {
        switch (frame.type) {
          case "join":
            return await frames.join(member, frame, receivedAt);
          case "leave":
            return await frames.leave(member, frame, receivedAt);
          case "send":
            return await frames.send(member, frame, receivedAt);
          case "history":
            return await frames.history(member, frame, receivedAt);
          case "typing":
            return await frames.typing(member, frame, receivedAt);
          case "members":
            return await members(member, frame);
        }
      } catch (error) {
        onError(error);
        replies.replyError(member, frame.room, "internal", `${frame.type} failed`, frame.ref);
      }
    },

    disconnect(member) {
      local.removeEverywhere(member);
      return Promise.resolve();
    },

    async listRooms({ after, limit }) {
      const page = await store.rooms({ after, limit });
      const names = [...page.names];
      let next = page.next;
      const onThisPage = (after === undefined || DEFAULT_ROOM > after) &&
        (next === null || DEFAULT_ROOM <= next);
      if (onThisPage && !names.includes(DEFAULT_ROOM)) {
        names.push(DEFAULT_ROOM);
        names.sort();
        if (names.length > limit) {
          names.length = limit;
          next = names[limit - 1];
        }
      }
      const closed = await closures?.closedAmong(names) ?? new Set<string>();
      const rooms = names.filter((name) => !closed.has(name))
        .map((name) => ({ name, members: presence.count(name) }));
      return { rooms, next };
    },

    async close() {
      closing = true;
      stopTyping();
      stopClosures?.();
      local.close();
      await bus.idle();
    },
  };
}

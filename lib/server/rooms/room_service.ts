/**
 * The room service: the room layer the hub hands each room frame to, one at a
 * time per connection, tying the log, the bus, presence and membership
 * together; every reply goes back through {@linkcode RoomMember.sendText}. It
 * also lists the rooms for `GET /api/rooms`, per user.
 *
 * Zero loss and no duplicates per connection: a `send` is acked only after the
 * log committed it; `join` replays from the log, and each member remembers the
 * highest seq it was sent, so a message that both the replay and the bus carry
 * is sent once. What each frame about the log does is `room_frames.ts`, each
 * frame about membership `membership_frames.ts`, and who may do what
 * `access.ts`; the rooms of this isolate, the fan-out into them and presence
 * frames are `local_rooms.ts`; the replies and their bounds are
 * `room_replies.ts`; the pages of who is online (`members`) are
 * `members_frame.ts`. A room an administrator closed (`room_closures.ts`)
 * refuses joins, sends and history with `forbidden`; its members get `error`
 * and `left` when it closes. A membership that ended (left on another device,
 * or removed by a moderator) takes the user's connections out of the room, on
 * every isolate.
 *
 * @example
 * ```ts
 * const rooms = createRoomService({
 *   store, bus, events, presence, clock, memberships, findUser, config: { maxTextChars: 4000 },
 * });
 * await rooms.handle(connection, { type: "join", room: "general" }); // connection gets `joined`
 * await rooms.disconnect(connection);
 * await rooms.close();
 * ```
 */
import {
  DEFAULT_ROOM,
  DM_PREFIX,
  type Message,
  type PublicUser,
  type RoomFrame,
  type RoomListEntry,
} from "../../protocol/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { EventBus, MessageBus } from "../bus/mod.ts";
import {
  createIsolateIdentity,
  createSwitchboardMetrics,
  type SwitchboardMetrics,
} from "../metrics/mod.ts";
import type { Presence } from "../presence/mod.ts";
import { type MembershipStore, READ_POSITIONS_MAX, type ReadPositions } from "../membership/mod.ts";
import type { MessageStore } from "../store/mod.ts";
import { createRoomAccess, type RoomAccess } from "./access.ts";
import { createLocalRooms } from "./local_rooms.ts";
import { createMembersFrame } from "./members_frame.ts";
import { createMembershipEvents } from "./membership_events.ts";
import { createMembershipFrames } from "./membership_frames.ts";
import type { RoomMember } from "./member.ts";
import type { RoomClosures } from "./room_closures.ts";
import { createRoomFrames } from "./room_frames.ts";
import type { RoomHandler } from "./room_handler.ts";
import { createSearchFrames } from "./search_frames.ts";
import type { SearchIndex } from "../search/mod.ts";
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
  /** Rooms' metadata, membership and invitations. */
  memberships: MembershipStore;
  /** Each account's read positions. */
  readPositions: ReadPositions;
  /** Where `search` looks. */
  search: Pick<SearchIndex, "search">;
  /** Told each entry committed here, after its ack (to index it). Default: nobody. */
  onCommitted?: (room: string, entry: Message) => void;
  /** The account, or active guest, that goes by `name` (for `invite`, `dm` and the like). */
  findUser(name: string): Promise<PublicUser | null>;
}

/** A page of {@linkcode RoomService.listRooms}. */
export interface RoomListPage {
  rooms: RoomListEntry[];
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
   * A page of the rooms `user` may see that are not closed, by name after
   * `after`: the public ones (`general` always) and those they belong to
   * (without `user`, the public ones), each with its members, the users online
   * in it and whether `user` is a member; and the `after` of the next page
   * (null after the last). A page may hold fewer than `limit` rooms and still
   * have a next one.
   */
  listRooms(options: { user?: PublicUser; after?: string; limit: number }): Promise<RoomListPage>;
  /** Who may do what in a room: the check every path about a room asks. */
  readonly access: RoomAccess;
  /** Drops every subscription of the service; the store, bus and presence stay open. */
  close(): Promise<void>;
}

/** The most unread entries (and mentions) `GET /api/rooms` counts per room. */
export const LIST_UNREAD_MAX = 100;

/** Creates a {@linkcode RoomService}. */
export function createRoomService(deps: RoomServiceDeps): RoomService {
  const { store, bus, events, presence, clock, config, closures, memberships } = deps;
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
  const access = createRoomAccess({ memberships, store, clock });
  const notices = createMembershipEvents(events);
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
    access,
    memberships,
    notices,
    readPositions: deps.readPositions,
    findUser: deps.findUser,
    onCommitted: deps.onCommitted,
  });
  const searchFrames = createSearchFrames({
    index: deps.search,
    store,
    access,
    memberships,
    replies,
    clock,
    failed: storeFailed,
  });
  const membershipFrames = createMembershipFrames({
    access,
    memberships,
    notices,
    findUser: deps.findUser,
    clock,
    replies,
    join: (member, frame) => frames.join(member, frame, clock.now()),
  });

  const members = createMembersFrame({ presence, access, closures, replies });

  const stopTyping = events.on("typing", ({ room, user }) => local.typing(room, user));

  // A membership that ended elsewhere takes the user's connections here out of the room.
  const stopEndings = notices.onEnded(({ user_id, room, reason }) => {
    for (const member of local.membersOf(room)) {
      if (member.user.id !== user_id) continue;
      local.remove(room, member);
      if (reason === "removed") {
        replies.replyError(member, room, "forbidden", `you were removed from ${room}`);
      }
      replies.reply(member, { type: "left", room });
    }
  });

  const stopClosures = closures?.onClosed((name) => {
    for (const member of local.membersOf(name)) {
      local.remove(name, member);
      replies.replyError(member, name, "forbidden", `${name} was closed by an administrator`);
      replies.reply(member, { type: "left", room: name });
    }
  });

  /**
   * The public rooms of a page of the log's rooms: those without metadata
   * (made by `join` before it was kept) and those whose metadata says public.
   * Direct messages are never read (`skip`).
   */
  const publicPage = async (after: string | undefined, limit: number) => {
    const page = await store.rooms({ after, limit, skip: DM_PREFIX });
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
    const infos = await memberships.infos(names);
    const rooms = names.filter((name) => (infos.get(name)?.visibility ?? "public") === "public");
    return { rooms, frontier: next };
  };

  /**
   * `user`'s unread text entries and mentions in each of `rooms` (they are a
   * member of each), after their read position: counted up to
   * {@linkcode LIST_UNREAD_MAX} per room, so a long list stays cheap.
   */
  const unreadCounts = async (user: PublicUser, rooms: string[]) => {
    const positions = new Map<string, number>();
    for (let start = 0; start < rooms.length; start += READ_POSITIONS_MAX) {
      const page = rooms.slice(start, start + READ_POSITIONS_MAX);
      for (const [room, seq] of await deps.readPositions.of(user.id, page)) {
        positions.set(room, seq);
      }
    }
    const counts = await Promise.all(
      rooms.map((room) =>
        store.countUnread(room, positions.get(room) ?? 0, user.id, LIST_UNREAD_MAX)
      ),
    );
    return new Map(rooms.map((room, index) => [room, counts[index]]));
  };

  const listRooms = async (
    { user, after, limit }: { user?: PublicUser; after?: string; limit: number },
  ): Promise<RoomListPage> => {
    // Two lists by name, merged: every name up to the nearer frontier has been seen in both.
    const [open, mine] = await Promise.all([
      publicPage(after, limit),
      user ? memberships.roomsOf(user.id, { after, limit }) : { rooms: [], frontier: null },
    ]);
    const frontier = [open.frontier, mine.frontier]
      .filter((name): name is string => name !== null).sort()[0] ?? null;
    let names = [...new Set([...open.rooms, ...mine.rooms])]
      .filter((name) => frontier === null || name <= frontier).sort();
    let next = frontier;
    if (names.length > limit) {
      names = names.slice(0, limit);
      next = names[limit - 1];
    }
    const [closed, infos, memberCounts] = await Promise.all([
      closures?.closedAmong(names) ?? new Set<string>(),
      memberships.infos(names),
      memberships.memberCounts(names),
    ]);
    const joined = new Set(mine.rooms);
    const counts = user
      ? await unreadCounts(user, names.filter((name) => joined.has(name)))
      : new Map();
    const rooms = names.filter((name) => !closed.has(name)).map((name): RoomListEntry => {
      const info = infos.get(name);
      return {
        room: name,
        name,
        visibility: info?.visibility ?? "public",
        members: memberCounts.get(name) ?? 0,
        online: presence.count(name),
        joined: joined.has(name),
        unread: counts.get(name)?.unread ?? 0,
        mentions: counts.get(name)?.mentions ?? 0,
        ...(info?.people ? { people: info.people } : {}),
      };
    });
    return { rooms, next };
  };

  return {
    access,

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
          case "edit":
            return await frames.edit(member, frame, receivedAt);
          case "delete":
            return await frames.delete(member, frame, receivedAt);
          case "react":
            return await frames.react(member, frame, receivedAt);
          case "read":
            return await frames.read(member, frame, receivedAt);
          case "search":
            return await searchFrames.search(member, frame);
          case "members":
            return await members(member, frame);
          case "create_room":
            return await membershipFrames.create_room(member, frame);
          case "dm":
            return await membershipFrames.dm(member, frame);
          case "invite":
            return await membershipFrames.invite(member, frame);
          case "set_role":
            return await membershipFrames.set_role(member, frame);
          case "remove_member":
            return await membershipFrames.remove_member(member, frame);
          case "room_members":
            return await membershipFrames.room_members(member, frame);
        }
      } catch (error) {
        storeFailed(error);
        const room = "room" in frame ? frame.room ?? null : null;
        replies.replyError(member, room, "internal", `${frame.type} failed`, frame.ref);
      }
    },

    disconnect(member) {
      local.removeEverywhere(member);
      return Promise.resolve();
    },

    listRooms,

    async close() {
      closing = true;
      stopTyping();
      stopEndings();
      stopClosures?.();
      local.close();
      await bus.idle();
    },
  };
}

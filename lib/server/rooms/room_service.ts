/**
 * The room service: the frame-level operations of rooms (`join`, `leave`,
 * `send`, `history`, `typing`), tying the log, the bus and presence together.
 * The hub hands it each parsed room frame of a connection, one at a time per
 * connection; every reply goes back through {@linkcode RoomMember.sendText}.
 *
 * Zero loss and no duplicates per connection: a `send` is acked only after the
 * log committed it; `join` replays from the log, and each member remembers the
 * highest seq it was sent, so a message that both the replay and the bus carry
 * is sent once. Fan-out that arrives while a join reads the log is held back
 * until `joined` went out, so `joined` always comes first.
 *
 * Presence frames are coalesced per room: the first change after a quiet
 * `presenceTickMs` goes out at once, and the changes that follow within the
 * tick go out merged at its end, so a burst of N joins costs each member one
 * frame per tick rather than N. A frame lists each user once, by their latest
 * change; a member that joined within the tick may be told again what its
 * `joined` list already showed, which a client keeping users by id ignores.
 *
 * Metrics are counted per fan-out, not per recipient: one `inc(n)` for the
 * sockets a message was written to, one latency observation per message.
 * A room an administrator closed (`room_closures.ts`) refuses joins, sends and
 * history with `forbidden`; its members get `error` and `left` when it closes.
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
import {
  checkTextLength,
  type ClientFrameOf,
  DEFAULT_ROOM,
  type ErrorCode,
  type Message,
  type PublicUser,
  type RoomFrame,
  type ServerFrame,
  type ServerFrameOf,
} from "../../protocol/mod.ts";
import type { Clock, TimerId } from "../../time/clock.ts";
import type { EventBus, MessageBus } from "../bus/mod.ts";
import {
  createIsolateIdentity,
  createSwitchboardMetrics,
  type SwitchboardMetrics,
} from "../metrics/mod.ts";
import type { Presence, PresenceChange } from "../presence/mod.ts";
import type { MessageStore } from "../store/mod.ts";
import { utf8Length } from "../limits/mod.ts";
import { boundPage } from "./bounded_page.ts";
import type { RoomMember } from "./member.ts";
import type { RoomClosures } from "./room_closures.ts";
import type { RoomHandler } from "./room_handler.ts";

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
  /** Fans committed messages out to every isolate. */
  bus: MessageBus;
  /** Carries typing (topic `typing`) to every isolate. */
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

/** One connection in one room of this isolate. */
interface Membership {
  member: RoomMember;
  /** The highest seq this member was sent; the bus never sends it one at or below. */
  lastSeq: number;
  /** Fan-out held back while `joined` is being prepared; null once joined. */
  heldBack: { message: Message; json: string }[] | null;
  /** Whether presence counts this connection. */
  counted: boolean;
  lastTypingAt: number;
}

/** Presence changes held until the end of a room's tick, each user by their latest change. */
interface PresenceTick {
  joins: Map<string, PublicUser>;
  leaves: Map<string, PublicUser>;
  timer: TimerId;
}

/** A room with members in this isolate. */
interface LocalRoom {
  memberships: Map<string, Membership>;
  /** seq → when its `send` arrived, for messages committed here and not yet fanned out. */
  receivedAt: Map<number, number>;
  /** Open while a presence frame went out less than a tick ago. */
  presenceTick: PresenceTick | undefined;
  unsubscribe(): void;
}

/** A `joined` or `history` reply before its messages are added. */
type PageFrame =
  | Omit<ServerFrameOf<"joined">, "messages">
  | Omit<ServerFrameOf<"history">, "messages">;

function omitMore<T extends { more?: boolean }>({ more: _more, ...rest }: T): Omit<T, "more"> {
  return rest;
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
  const pageSize = config.pageSize ?? 50;
  const typingIntervalMs = config.typingIntervalMs ?? 1_000;
  const presenceTickMs = config.presenceTickMs ?? 50;
  const joinPageMax = config.joinPageMax ?? 500;
  const maxReplyBytes = config.maxReplyBytes ?? 512 * 1024;
  const rooms = new Map<string, LocalRoom>();
  /** Set by close: leaving rooms then writes nothing, as the store is about to close. */
  let closing = false;

  const reply = (member: RoomMember, frame: ServerFrame) => {
    metrics.framesSent.labels(frame.type).inc();
    if (frame.type === "error") metrics.errorsSent.labels(frame.code).inc();
    member.sendText(JSON.stringify(frame));
  };

  /** The store failed: the client is told `internal`, the metrics and the admin view are told why. */
  const storeFailed = (error: unknown) => {
    onError(error);
    metrics.kvUp.set(0);
    metrics.errors.record("internal", String(error));
  };

  /**
   * Sends a `joined` or `history` with as many of `messages` as fit in the
   * reply bound, cut from the end opposite `keep`.
   */
  const replyPage = (
    member: RoomMember,
    frame: PageFrame,
    messages: readonly Message[],
    keep: "oldest" | "newest",
  ) => {
    // Budgeted with `more: true` and an empty list, whatever the frame ends up saying.
    const shell = utf8Length(JSON.stringify({ ...frame, more: true, messages: [] }));
    const page = boundPage(messages, maxReplyBytes - shell, keep);
    // A cut page has more where its reader pages on: `history` either way, a
    // `joined` catch-up forward only (older history is never what `more` speaks of).
    const cutAhead = page.trimmed && (frame.type === "history" || keep === "oldest");
    const more = frame.more === true || cutAhead;
    // `joined` carries `more` only when more follow (an extension of the contract).
    const complete = frame.type === "joined" && !more ? omitMore(frame) : { ...frame, more };
    reply(member, { ...complete, messages: page.messages });
  };

  /** An error about a frame for `room`, counted in the room's activity. */
  const replyError = (
    member: RoomMember,
    room: string,
    code: ErrorCode,
    message: string,
    ref?: string,
  ) => {
    metrics.rooms.recordError(room);
    reply(member, { type: "error", code, message, recoverable: true, ref });
  };

  const publicUser = ({ user }: RoomMember): PublicUser => ({ id: user.id, name: user.name });

  const deliver = (room: LocalRoom, message: Message, json: string) => {
    let written = 0;
    for (const membership of room.memberships.values()) {
      if (membership.heldBack) membership.heldBack.push({ message, json });
      else if (message.seq > membership.lastSeq) {
        membership.lastSeq = message.seq;
        membership.member.sendText(json);
        written++;
      }
    }
    if (written === 0) return;
    const now = clock.now();
    metrics.framesSent.labels("message").inc(written);
    metrics.fanoutDeliveries.inc(written);
    metrics.fanoutLatency.observe(now - message.ts);
    const receivedAt = room.receivedAt.get(message.seq);
    if (receivedAt !== undefined) {
      room.receivedAt.delete(message.seq);
      metrics.deliveryLatency.observe(now - receivedAt);
      metrics.rooms.recordDelivery(message.room, now - receivedAt);
    }
  };

  /** Sends a frame to every joined member of `name`, serialized once; returns to how many. */
  const broadcast = (
    name: string,
    frame: ServerFrame,
    skip?: (member: RoomMember) => boolean,
  ): number => {
    const room = rooms.get(name);
    if (!room) return 0;
    const json = JSON.stringify(frame);
    let written = 0;
    for (const { member, heldBack } of room.memberships.values()) {
      if (!heldBack && !skip?.(member)) {
        member.sendText(json);
        written++;
      }
    }
    metrics.framesSent.labels(frame.type).inc(written);
    return written;
  };

  /** Sends a presence frame now and holds the changes of the next tick (none if nobody got it). */
  const sendPresence = (
    room: LocalRoom,
    name: string,
    joins: PublicUser[],
    leaves: PublicUser[],
  ) => {
    if (broadcast(name, { type: "presence", room: name, joins, leaves }) === 0) return;
    room.presenceTick = {
      joins: new Map(),
      leaves: new Map(),
      timer: clock.setTimeout(() => endPresenceTick(room, name), presenceTickMs),
    };
  };

  const endPresenceTick = (room: LocalRoom, name: string) => {
    const { joins, leaves } = room.presenceTick!;
    room.presenceTick = undefined;
    if (joins.size + leaves.size > 0) {
      sendPresence(room, name, [...joins.values()], [...leaves.values()]);
    }
  };

  const onPresenceChange = ({ room: name, joins, leaves }: PresenceChange) => {
    const room = rooms.get(name);
    if (!room) return;
    const tick = room.presenceTick;
    if (!tick) return sendPresence(room, name, joins, leaves);
    for (const user of joins) {
      tick.leaves.delete(user.id);
      tick.joins.set(user.id, user);
    }
    for (const user of leaves) {
      tick.joins.delete(user.id);
      tick.leaves.set(user.id, user);
    }
  };

  const openRoom = (name: string): LocalRoom => {
    const room: LocalRoom = {
      memberships: new Map(),
      receivedAt: new Map(),
      presenceTick: undefined,
      unsubscribe: () => {},
    };
    room.unsubscribe = bus.subscribe(name, (message, json) => deliver(room, message, json));
    rooms.set(name, room);
    metrics.roomsActive.set(rooms.size);
    return room;
  };

  const removeMembership = (name: string, member: RoomMember) => {
    const room = rooms.get(name);
    const membership = room?.memberships.get(member.session);
    member.rooms.delete(name);
    if (!room || !membership) return;
    room.memberships.delete(member.session);
    metrics.rooms.setMembers(name, room.memberships.size);
    if (membership.counted) presence.disconnect(name, publicUser(member));
    if (room.memberships.size === 0) {
      rooms.delete(name);
      room.unsubscribe();
      if (room.presenceTick) clock.clearTimeout(room.presenceTick.timer);
      metrics.roomsActive.set(rooms.size);
      // The last one left a room that never saw a message: it stays listed a while from now.
      if (membership.lastSeq === 0 && !membership.heldBack && !closing) {
        store.ensureRoom(name).catch(storeFailed);
      }
    }
  };

  const isJoined = (member: RoomMember, name: string) =>
    member.rooms.has(name) && rooms.get(name)?.memberships.has(member.session) === true;

  const stopTyping = events.on("typing", ({ room, user }) => {
    broadcast(room, { type: "typing", room, user }, (member) => member.user.id === user.id);
  });

  const stopPresence = presence.onChange(onPresenceChange);

  const stopClosures = closures?.onClosed((name) => {
    for (const { member } of [...rooms.get(name)?.memberships.values() ?? []]) {
      removeMembership(name, member);
      replyError(member, name, "forbidden", `${name} was closed by an administrator`);
      reply(member, { type: "left", room: name });
    }
  });

  const join = async (member: RoomMember, frame: ClientFrameOf<"join">) => {
    const name = frame.room;
    const existing = rooms.get(name);
    const room = existing ?? openRoom(name);
    let membership = room.memberships.get(member.session);
    if (membership) membership.heldBack = [];
    else {
      membership = { member, lastSeq: 0, heldBack: [], counted: false, lastTypingAt: -Infinity };
      room.memberships.set(member.session, membership);
      metrics.rooms.setMembers(name, room.memberships.size);
    }

    let replay;
    try {
      if (await closures?.isClosed(name)) {
        // Unless the connection closed meanwhile and took its membership with it.
        if (room.memberships.get(member.session) === membership) {
          removeMembership(name, member);
          replyError(member, name, "forbidden", `${name} is closed`, frame.ref);
        }
        return;
      }
      if (!existing) await store.ensureRoom(name);
      // The feed must know its starting head before the log is read, or a
      // message committed in between would be neither replayed nor fanned out.
      await bus.idle(name);
      replay = frame.since === undefined
        ? await store.latest(name)
        : await store.since(name, frame.since, { limit: joinPageMax, maxBytes: maxReplyBytes });
    } catch (error) {
      storeFailed(error);
      removeMembership(name, member);
      replyError(member, name, "internal", `could not join ${name}; try again`, frame.ref);
      return;
    }
    // The connection closed while the log was read.
    if (room.memberships.get(member.session) !== membership) return;

    const { head } = replay;
    if (frame.since !== undefined) {
      metrics.reconnects.labels(replay.recovered ? "resumed" : "reset").inc();
    }
    if (!membership.counted) {
      membership.counted = true;
      presence.connect(name, publicUser(member));
    }
    // A catch-up keeps its oldest messages, to be continued with `history` `after`;
    // the newest page (first join, or history lost) keeps its newest.
    const catchingUp = frame.since !== undefined && replay.recovered;
    replyPage(
      member,
      {
        type: "joined",
        room: name,
        head,
        recovered: replay.recovered,
        presence: presence.list(name),
        more: replay.more,
        ref: frame.ref,
      },
      replay.messages,
      catchingUp ? "oldest" : "newest",
    );
    membership.lastSeq = head;
    const heldBack = membership.heldBack ?? [];
    membership.heldBack = null;
    member.rooms.add(name);
    for (const { message, json } of heldBack) {
      if (message.seq > membership.lastSeq) {
        membership.lastSeq = message.seq;
        member.sendText(json);
        metrics.framesSent.labels("message").inc();
        metrics.fanoutDeliveries.inc();
      }
    }
  };

  const leave = (member: RoomMember, frame: ClientFrameOf<"leave">) => {
    removeMembership(frame.room, member);
    reply(member, { type: "left", room: frame.room, ref: frame.ref });
    return Promise.resolve();
  };

  const send = async (
    member: RoomMember,
    frame: ClientFrameOf<"send">,
    receivedAt = clock.now(),
  ) => {
    const { room, text, cid, ref } = frame;
    // The one length check of the server, by the contract's rule (code points).
    const length = checkTextLength(text, config.maxTextChars);
    if (!length.ok) return replyError(member, room, "too_large", length.message, ref);
    if (closures?.isKnownClosed(room)) {
      return replyError(member, room, "forbidden", `${room} is closed`, ref);
    }
    if (!isJoined(member, room)) {
      return replyError(member, room, "not_joined", `join ${room} before sending to it`, ref);
    }
    let result;
    try {
      result = await store.commit({ room, user: publicUser(member), text, cid });
    } catch (error) {
      storeFailed(error);
      return replyError(
        member,
        room,
        "internal",
        "the message was not stored; send it again",
        ref,
      );
    }
    metrics.kvUp.set(1);
    if (result.created) {
      metrics.messagesCommitted.inc();
      metrics.commitLatency.observe(clock.now() - receivedAt);
      metrics.rooms.record(room);
      rooms.get(room)?.receivedAt.set(result.message.seq, receivedAt);
      bus.publish(result.message);
    }
    reply(member, { type: "ack", ...result.receipt, ref });
  };

  const history = async (member: RoomMember, frame: ClientFrameOf<"history">) => {
    const { room, before, after, limit, ref } = frame;
    try {
      // A closed room is read by nobody, joined or not, here or on another instance.
      if (await closures?.isClosed(room)) {
        return replyError(member, room, "forbidden", `${room} is closed`, ref);
      }
      const page = await store.history(room, {
        before,
        after,
        limit: limit ?? pageSize,
        maxBytes: maxReplyBytes,
      });
      const frame = { type: "history" as const, room, more: page.more, ref };
      replyPage(member, frame, page.messages, after === undefined ? "newest" : "oldest");
    } catch (error) {
      storeFailed(error);
      replyError(member, room, "internal", "history could not be read; try again", ref);
    }
  };

  const typing = (member: RoomMember, frame: ClientFrameOf<"typing">) => {
    const membership = rooms.get(frame.room)?.memberships.get(member.session);
    if (!membership || !isJoined(member, frame.room)) {
      replyError(
        member,
        frame.room,
        "not_joined",
        `join ${frame.room} before typing in it`,
        frame.ref,
      );
      return Promise.resolve();
    }
    const now = clock.now();
    if (now - membership.lastTypingAt >= typingIntervalMs) {
      membership.lastTypingAt = now;
      events.emit("typing", { room: frame.room, user: publicUser(member) });
    }
    return Promise.resolve();
  };

  return {
    async handle(member, frame, receivedAt) {
      try {
        switch (frame.type) {
          case "join":
            return await join(member, frame);
          case "leave":
            return await leave(member, frame);
          case "send":
            return await send(member, frame, receivedAt);
          case "history":
            return await history(member, frame);
          case "typing":
            return await typing(member, frame);
        }
      } catch (error) {
        onError(error);
        replyError(member, frame.room, "internal", `${frame.type} failed`, frame.ref);
      }
    },

    disconnect(member) {
      for (const [name, room] of [...rooms]) {
        if (room.memberships.has(member.session)) removeMembership(name, member);
      }
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
        .map((name) => ({ name, members: presence.list(name).length }));
      return { rooms, next };
    },

    async close() {
      closing = true;
      stopTyping();
      stopPresence();
      stopClosures?.();
      for (const [name, room] of [...rooms]) {
        for (const { member } of [...room.memberships.values()]) removeMembership(name, member);
      }
      await bus.idle();
    },
  };
}

/**
 * The rooms that have members on this isolate, and the fan-out into them.
 * Each is subscribed to the bus once, from its first member to its last. A
 * committed message is written to every joined member whose highest seq it
 * passes, so a message that both a join's replay and the bus carry is sent
 * once; for a member whose `joined` is still being prepared it is held back,
 * and sent after `joined` (which always comes first).
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
 *
 * @example
 * ```ts
 * const local = createLocalRooms({
 *   bus, presence, clock, metrics, presenceTickMs: 50, presenceListMax: 100, summaryIntervalMs: 1_000,
 *   onUnused,
 * });
 * const { membership } = local.enter("general", member); // fan-out held back from now
 * local.markJoined("general", membership, head); // after `joined`: what was held back, past head
 * local.typing("general", user); // to the others, or summarized in a big room
 * local.remove("general", member);
 * ```
 */
import {
  type Message,
  type PublicUser,
  type ServerFrame,
  TYPING_NAMED_MAX,
} from "../../protocol/mod.ts";
import type { Clock, TimerId } from "../../time/clock.ts";
import type { MessageBus } from "../bus/mod.ts";
import type { SwitchboardMetrics } from "../metrics/mod.ts";
import type { Presence, PresenceChange } from "../presence/mod.ts";
import { publicUserOf, type RoomMember } from "./member.ts";

/** One connection in one room of this isolate. */
export interface Membership {
  member: RoomMember;
  /** The highest seq this member was sent; the bus never sends it one at or below. */
  lastSeq: number;
  /** Fan-out held back while `joined` is being prepared; null once joined. */
  heldBack: { message: Message; json: string }[] | null;
  /** Whether presence counts this connection. */
  counted: boolean;
}

/** Presence changes held until the end of a room's tick, each user by their latest change. */
interface PresenceTick {
  joins: Map<string, PublicUser>;
  leaves: Map<string, PublicUser>;
  timer: TimerId;
}

/**
 * A summary frame of a big room: when the last went out, and the timer of the
 * next while one waits for the interval's end.
 */
interface Summary {
  sentAt: number;
  timer: TimerId | undefined;
}

/** A room with members in this isolate. */
interface LocalRoom {
  memberships: Map<string, Membership>;
  /** seq → when its `send` arrived, for messages committed here and not yet fanned out. */
  receivedAt: Map<number, number>;
  /** Open while a presence frame went out less than a tick ago. */
  presenceTick: PresenceTick | undefined;
  /** The presence summaries of this room, and whether its members were last told only a count. */
  presenceSummary: Summary;
  summarized: boolean;
  /** The typing summaries of this room, and who typed since the last (by id, in order). */
  typingSummary: Summary;
  typists: Map<string, PublicUser>;
  /** user id → when their last `typing` here was passed on, oldest first. */
  typingAt: Map<string, number>;
  unsubscribe(): void;
}

/** What {@linkcode createLocalRooms} needs. */
export interface LocalRoomsOptions {
  bus: Pick<MessageBus, "subscribe">;
  presence: Pick<Presence, "onChange" | "disconnect" | "count">;
  clock: Clock;
  metrics: Pick<
    SwitchboardMetrics,
    | "framesSent"
    | "fanoutDeliveries"
    | "fanoutLatency"
    | "deliveryLatency"
    | "roomsActive"
    | "rooms"
  >;
  presenceTickMs: number;
  /** Above this many users online a room is big: its presence and typing are summarized. */
  presenceListMax: number;
  /** A big room's members get at most one presence and one typing frame per this. */
  summaryIntervalMs: number;
  /** The last member left a room that never had a message here (it stays listed a while). */
  onUnused(room: string): void;
}

/** The rooms of this isolate. */
export interface LocalRooms {
  /**
   * Opens `name` here if needed and gives `member`'s membership of it, holding
   * its fan-out back until {@linkcode LocalRooms.markJoined}; `opened` says
   * whether the room was opened now.
   */
  enter(name: string, member: RoomMember): { membership: Membership; opened: boolean };
  /** `member`'s membership of `name`, if it has one. */
  membershipOf(name: string, member: RoomMember): Membership | undefined;
  /** `joined` went out, up to `head`: sends what was held back past it, and fans out from now. */
  markJoined(name: string, membership: Membership, head: number): void;
  /** Whether `member` joined `name` and is still in it. */
  isJoined(member: RoomMember, name: string): boolean;
  /**
   * Whether a `typing` of `userId` in `name` is passed on now: at most once per
   * `intervalMs` per user and room, however many connections they type from.
   */
  passTyping(name: string, userId: string, now: number, intervalMs: number): boolean;
  /** Notes when the `send` of a message committed here arrived, for its delivery latency. */
  noteReceived(name: string, seq: number, receivedAt: number): void;
  /** Takes `member` out of `name` (and out of presence); the last one out closes the room here. */
  remove(name: string, member: RoomMember): void;
  /** Takes `member` out of every room here. */
  removeEverywhere(member: RoomMember): void;
  /** The members of `name` here. */
  membersOf(name: string): RoomMember[];
  /**
   * Passes on that `user` is typing in `name`: to the room's other members, or,
   * in a big room, in the next typing summary.
   */
  typing(name: string, user: PublicUser): void;
  /** Sends a frame to every joined member of `name`, serialized once; returns to how many. */
  broadcast(name: string, frame: ServerFrame, skip?: (member: RoomMember) => boolean): number;
  /** Takes every member out of every room and stops listening to presence. */
  close(): void;
}

/** Creates the {@linkcode LocalRooms} of one isolate. */
export function createLocalRooms(options: LocalRoomsOptions): LocalRooms {
  const { bus, presence, clock, metrics, presenceTickMs, onUnused } = options;
  const { presenceListMax, summaryIntervalMs } = options;
  const rooms = new Map<string, LocalRoom>();

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

  /**
   * Runs `send` now if `summary`'s interval is over, else once at its end (a
   * second call meanwhile changes nothing: `send` reads the latest then).
   */
  const summarize = (summary: Summary, send: () => void) => {
    if (summary.timer !== undefined) return;
    const waitMs = summary.sentAt + summaryIntervalMs - clock.now();
    const sendNow = () => {
      summary.timer = undefined;
      summary.sentAt = clock.now();
      send();
    };
    if (waitMs <= 0) sendNow();
    else summary.timer = clock.setTimeout(sendNow, waitMs);
  };

  const sendPresenceCount = (room: LocalRoom, name: string) => {
    const count = presence.count(name);
    // At or below the bound again, this count is the last: the members read the list anew.
    room.summarized = count > presenceListMax;
    broadcast(name, { type: "presence", room: name, count });
  };

  const onPresenceChange = ({ room: name, joins, leaves }: PresenceChange) => {
    const room = rooms.get(name);
    if (!room) return;
    if (room.summarized || presence.count(name) > presenceListMax) {
      // The count supersedes the lists held for the tick.
      if (room.presenceTick) clock.clearTimeout(room.presenceTick.timer);
      room.presenceTick = undefined;
      room.summarized = true;
      return summarize(room.presenceSummary, () => sendPresenceCount(room, name));
    }
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

  const sendTypists = (name: string, typists: Map<string, PublicUser>) => {
    const users = [...typists.values()].slice(0, TYPING_NAMED_MAX);
    const count = typists.size;
    typists.clear();
    if (count === 0) return;
    // A lone typist is not told about themselves.
    const skip = count === 1 ? (member: RoomMember) => member.user.id === users[0].id : undefined;
    broadcast(name, { type: "typing", room: name, user: users[0], users, count }, skip);
  };

  const typing = (name: string, user: PublicUser) => {
    const room = rooms.get(name);
    if (!room) return;
    if (presence.count(name) <= presenceListMax) {
      broadcast(name, { type: "typing", room: name, user }, (member) => member.user.id === user.id);
      return;
    }
    room.typists.set(user.id, user);
    summarize(room.typingSummary, () => sendTypists(name, room.typists));
  };

  const openRoom = (name: string): LocalRoom => {
    const room: LocalRoom = {
      memberships: new Map(),
      receivedAt: new Map(),
      presenceTick: undefined,
      presenceSummary: { sentAt: -Infinity, timer: undefined },
      summarized: false,
      typingSummary: { sentAt: -Infinity, timer: undefined },
      typists: new Map(),
      typingAt: new Map(),
      unsubscribe: () => {},
    };
    room.unsubscribe = bus.subscribe(name, (message, json) => deliver(room, message, json));
    rooms.set(name, room);
    metrics.roomsActive.set(rooms.size);
    return room;
  };

  const remove = (name: string, member: RoomMember) => {
    const room = rooms.get(name);
    const membership = room?.memberships.get(member.session);
    member.rooms.delete(name);
    if (!room || !membership) return;
    room.memberships.delete(member.session);
    metrics.rooms.setMembers(name, room.memberships.size);
    if (membership.counted) presence.disconnect(name, publicUserOf(member));
    if (room.memberships.size === 0) {
      rooms.delete(name);
      room.unsubscribe();
      if (room.presenceTick) clock.clearTimeout(room.presenceTick.timer);
      for (const { timer } of [room.presenceSummary, room.typingSummary]) {
        if (timer !== undefined) clock.clearTimeout(timer);
      }
      metrics.roomsActive.set(rooms.size);
      if (membership.lastSeq === 0 && !membership.heldBack) onUnused(name);
    }
  };

  const stopPresence = presence.onChange(onPresenceChange);

  return {
    enter(name, member) {
      const existing = rooms.get(name);
      const room = existing ?? openRoom(name);
      let membership = room.memberships.get(member.session);
      if (membership) membership.heldBack = [];
      else {
        membership = { member, lastSeq: 0, heldBack: [], counted: false };
        room.memberships.set(member.session, membership);
        metrics.rooms.setMembers(name, room.memberships.size);
      }
      return { membership, opened: !existing };
    },

    membershipOf: (name, member) => rooms.get(name)?.memberships.get(member.session),

    markJoined(name, membership, head) {
      const { member } = membership;
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
    },

    isJoined: (member, name) =>
      member.rooms.has(name) && rooms.get(name)?.memberships.has(member.session) === true,

    passTyping(name, userId, now, intervalMs) {
      const room = rooms.get(name);
      if (!room) return false;
      if (now - (room.typingAt.get(userId) ?? -Infinity) < intervalMs) return false;
      // Oldest first: a user who types again moves to the end, and those whose interval is
      // over are forgotten, so the map holds only the last interval's typists.
      room.typingAt.delete(userId);
      room.typingAt.set(userId, now);
      for (const [typist, at] of room.typingAt) {
        if (now - at < intervalMs) break;
        room.typingAt.delete(typist);
      }
      return true;
    },

    noteReceived(name, seq, receivedAt) {
      rooms.get(name)?.receivedAt.set(seq, receivedAt);
    },

    remove,

    removeEverywhere(member) {
      for (const [name, room] of [...rooms]) {
        if (room.memberships.has(member.session)) remove(name, member);
      }
    },

    membersOf: (name) => [...rooms.get(name)?.memberships.values() ?? []].map((m) => m.member),

    typing,

    broadcast,

    close() {
      stopPresence();
      for (const [name, room] of [...rooms]) {
        for (const { member } of [...room.memberships.values()]) remove(name, member);
      }
    },
  };
}

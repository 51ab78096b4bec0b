/**
 * The room layer's answer to each frame about who belongs to a room:
 *
 * - `create_room`: a public or private room with its creator as owner, then
 *   joined as `join` would; a taken name is `conflict`, a `dm-` name is kept
 *   for direct messages.
 * - `dm`: the direct message of the sender and 1–8 other people (by name),
 *   made with all of them as members if new (each is told), then joined.
 * - `invite`: a member lets someone join; they hear `invitation` on every
 *   connection. A direct message's people are fixed.
 * - `set_role`: the owner makes a member a moderator, or back.
 * - `remove_member`: the owner, moderators (not of other moderators) and
 *   administrators end someone's membership; their connections leave the room.
 * - `room_members`: a page of the members, for those who may read the room.
 *
 * Every one asks the access check first (`access.ts`), so a user who may not
 * see a room learns nothing of it. Making rooms and inviting is bounded per
 * user (`changesPerMinute`), each frame being also under the connection's
 * rate limit.
 *
 * @example
 * ```ts
 * const frames = createMembershipFrames({ access, memberships, notices, findUser, clock, replies, join });
 * await frames.create_room(member, { type: "create_room", room: "team", visibility: "private" });
 * ```
 */
import { type ClientFrameOf, DEFAULT_ROOM, isDmRoom, type PublicUser } from "../../protocol/mod.ts";
import type { Clock } from "../../time/clock.ts";
import { createKeyedLimiter } from "../limits/mod.ts";
import type { MembershipStore } from "../membership/mod.ts";
import type { RoomAccess } from "./access.ts";
import { dmRoomName } from "./dm_rooms.ts";
import { publicUserOf, type RoomMember } from "./member.ts";
import type { MembershipEvents } from "./membership_events.ts";
import type { RoomReplies } from "./room_replies.ts";

/** The frames about membership. */
export type MembershipFrameType =
  | "create_room"
  | "dm"
  | "invite"
  | "set_role"
  | "remove_member"
  | "room_members";

/** One answer per membership frame type. */
export type MembershipFrames = {
  [T in MembershipFrameType]: (member: RoomMember, frame: ClientFrameOf<T>) => Promise<void>;
};

/** What {@linkcode createMembershipFrames} needs. */
export interface MembershipFramesOptions {
  access: RoomAccess;
  memberships: MembershipStore;
  notices: MembershipEvents;
  /** The account, or active guest, that goes by `name`; null if nobody does. */
  findUser(name: string): Promise<PublicUser | null>;
  clock: Clock;
  replies: RoomReplies;
  /** Joins `member` to `room` as a `join` frame would (replying `joined`). */
  join(member: RoomMember, frame: ClientFrameOf<"join">): Promise<void>;
  /** Rooms made, direct messages opened and invitations sent per user and minute. Default 20. */
  changesPerMinute?: number;
  /** Members in a `room_members` page unless asked. Default 50. */
  membersPage?: number;
}

const FIXED_PEOPLE = "the people of a direct message are fixed; start another one";

/** Creates the {@linkcode MembershipFrames}. */
export function createMembershipFrames(options: MembershipFramesOptions): MembershipFrames {
  const { access, memberships, notices, findUser, clock, join } = options;
  const { reply, replyError } = options.replies;
  const changesPerMinute = options.changesPerMinute ?? 20;
  const changes = createKeyedLimiter({
    burst: changesPerMinute,
    perSecond: changesPerMinute / 60,
    clock,
    maxKeys: 10_000,
  });

  /** Charges one change to `member`'s user; false (after answering) when over the bound. */
  const mayChange = (member: RoomMember, ref?: string): boolean => {
    const waitMs = changes.take(member.user.id);
    if (waitMs === 0) return true;
    reply(member, {
      type: "error",
      code: "rate_limited",
      message: "too many new rooms, direct messages or invitations; try again later",
      recoverable: true,
      retry_after_ms: waitMs,
      ref,
    });
    return false;
  };

  /** The user named `name`, or null after answering that nobody is. */
  const named = async (member: RoomMember, room: string | null, name: string, ref?: string) => {
    const user = await findUser(name);
    if (!user) replyError(member, room, "bad_request", `nobody is named ${name}`, ref);
    return user;
  };

  return {
    async create_room(member, { room, visibility, ref }) {
      if (isDmRoom(room)) {
        return replyError(
          member,
          room,
          "bad_request",
          "names starting dm- are for direct messages",
          ref,
        );
      }
      if (room === DEFAULT_ROOM) {
        return replyError(member, room, "conflict", `${room} exists already`, ref);
      }
      if (!mayChange(member, ref)) return;
      const owner = publicUserOf(member);
      const info = { room, visibility, owner: owner.id, createdAt: clock.now() };
      if (await memberships.createRoom(info, owner) === "taken") {
        return replyError(member, room, "conflict", `${room} is taken; pick another name`, ref);
      }
      notices.changed(owner.id, room, true, "joined");
      await join(member, { type: "join", room, ref });
    },

    async dm(member, { users, ref }) {
      const me = publicUserOf(member);
      const people = new Map<string, PublicUser>([[me.id, me]]);
      for (const name of users) {
        const user = await named(member, null, name, ref);
        if (!user) return;
        people.set(user.id, user);
      }
      if (people.size < 2) {
        return replyError(member, null, "bad_request", "a direct message needs someone else", ref);
      }
      if (!mayChange(member, ref)) return;
      const ids = [...people.keys()];
      const info = {
        room: await dmRoomName(ids),
        visibility: "dm" as const,
        owner: null,
        createdAt: clock.now(),
        people: [...people.values()].sort((a, b) => a.name.localeCompare(b.name)),
      };
      const opened = await memberships.openDm(info);
      if (opened.created) {
        for (const id of ids) notices.changed(id, info.room, true, "joined");
      }
      await join(member, { type: "join", room: info.room, ref });
    },

    async invite(member, { room, user: name, ref }) {
      const verdict = await access.read(member.user, room);
      if (!verdict.ok) return replyError(member, room, "forbidden", verdict.message, ref);
      if (verdict.info.visibility === "dm") {
        return replyError(member, room, "bad_request", FIXED_PEOPLE, ref);
      }
      if (!verdict.membership) {
        return replyError(
          member,
          room,
          "forbidden",
          `only members of ${room} may invite to it`,
          ref,
        );
      }
      const user = await named(member, room, name, ref);
      if (!user || !mayChange(member, ref)) return;
      const by = publicUserOf(member);
      await memberships.invite(room, user, by, clock.now());
      notices.invited(user.id, room, by);
      reply(member, { type: "invited", room, user, ref });
    },

    async set_role(member, { room, user: name, role, ref }) {
      const verdict = await access.read(member.user, room);
      if (!verdict.ok) return replyError(member, room, "forbidden", verdict.message, ref);
      if (verdict.info.visibility === "dm") {
        return replyError(member, room, "bad_request", FIXED_PEOPLE, ref);
      }
      if (verdict.membership?.role !== "owner") {
        return replyError(member, room, "forbidden", `only the owner of ${room} gives roles`, ref);
      }
      const user = await named(member, room, name, ref);
      if (!user) return;
      if (user.id === member.user.id) {
        return replyError(member, room, "bad_request", "the owner stays the owner", ref);
      }
      const changed = await memberships.setRole(room, user.id, role);
      if (!changed) {
        return replyError(member, room, "bad_request", `${name} is not a member of ${room}`, ref);
      }
      reply(member, { type: "member_role", room, user: changed.user, role: changed.role, ref });
    },

    async remove_member(member, { room, user: name, ref }) {
      const verdict = await access.moderate(member.user, room);
      if (!verdict.ok) return replyError(member, room, "forbidden", verdict.message, ref);
      if (verdict.info.visibility === "dm") {
        return replyError(member, room, "bad_request", FIXED_PEOPLE, ref);
      }
      const user = await named(member, room, name, ref);
      if (!user) return;
      const target = (await memberships.access(room, user.id, clock.now())).membership;
      if (!target) {
        return replyError(member, room, "bad_request", `${name} is not a member of ${room}`, ref);
      }
      if (target.role === "owner") {
        return replyError(member, room, "bad_request", "the owner cannot be removed", ref);
      }
      const mayRemoveModerators = member.user.role === "admin" ||
        verdict.membership?.role === "owner";
      if (target.role === "moderator" && !mayRemoveModerators) {
        return replyError(member, room, "forbidden", "only the owner removes moderators", ref);
      }
      await memberships.removeMember(room, user.id);
      notices.changed(user.id, room, false, "removed");
      reply(member, { type: "member_removed", room, user: target.user, ref });
    },

    async room_members(member, { room, after, limit, ref }) {
      const verdict = await access.read(member.user, room);
      if (!verdict.ok) return replyError(member, room, "forbidden", verdict.message, ref);
      const page = await memberships.membersOf(room, {
        after,
        limit: limit ?? options.membersPage ?? 50,
      });
      const members = page.members.map(({ user, role }) => ({ user, role }));
      reply(member, { type: "room_members", room, members, next: page.next, ref });
    },
  };
}

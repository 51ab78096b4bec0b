/**
 * Who may do what in a room: the one check every path that reads, writes or
 * moderates a room asks (join, `since` catch-up, history, send, typing, the
 * member list, invitations, roles and removals; edits, reactions, read
 * positions and search when they come). A room is
 *
 * - **public**: everyone may read it and enter it (entering makes them a member);
 * - **private**: only its members may read it, and only members and the
 *   invited may enter;
 * - **a direct message** (`dm-…`): only its people, ever; `join` never makes one.
 *
 * Whoever may not gets the same refusal whether the room exists or not
 * ({@linkcode noAccessMessage}, with the `forbidden` code), so a refusal says
 * nothing of the room. The one difference left is time: a name nobody holds
 * costs one more store read than a private room does (to learn that no room
 * made before rooms had metadata has it). What may not be hidden is that a
 * name is taken (`create_room` answers `conflict`, `join` of a private name is
 * refused where a free name would make a room): names are one namespace.
 *
 * Moderating (removing members; deleting others' messages) is for the room's
 * owner and moderators, and for administrators in any room that exists.
 *
 * Public rooms stay public, so this isolate remembers which rooms it found
 * public (up to `cacheSize`) and reads nothing for them again; membership is
 * read each time, as it can end on another instance.
 *
 * @example
 * ```ts
 * const access = createRoomAccess({ memberships, store, clock });
 * const verdict = await access.read(user, "team");
 * if (!verdict.ok) return replyError(member, "team", "forbidden", verdict.message, ref);
 * ```
 */
import { DEFAULT_ROOM, isDmRoom, type PublicUser, type RoomRole } from "../../protocol/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { Membership, MembershipStore, RoomInfo } from "../membership/mod.ts";
import type { MessageStore } from "../store/mod.ts";

/** What a check found: the room, and the user's membership of it if any. */
export type AccessVerdict =
  | { ok: true; info: RoomInfo; membership: Membership | null }
  | { ok: false; message: string };

/** What entering found: the room, the membership, and whether entering made it. */
export type EntryVerdict =
  | { ok: true; info: RoomInfo; role: RoomRole; added: boolean }
  | { ok: false; message: string };

/** What {@linkcode createRoomAccess} needs. */
export interface RoomAccessOptions {
  memberships: MembershipStore;
  /** Whether a room without metadata is in the log (made by `join` before metadata was kept). */
  store: Pick<MessageStore, "exists">;
  clock: Clock;
  /** Most rooms remembered as public. Default 10 000. */
  cacheSize?: number;
}

/** The access check of every room path. */
export interface RoomAccess {
  /**
   * May `user` join `room`? A public room (made now if the name is free and not
   * a direct message's) or one they belong to; a private room they are invited
   * to. Entering makes them a member if they were not.
   */
  enter(user: PublicUser, room: string): Promise<EntryVerdict>;
  /** May `user` read `room` (history, the member list, search)? */
  read(user: PublicUser, room: string): Promise<AccessVerdict>;
  /**
   * May `user` write in `room` (send, typing, edits, reactions, read
   * positions)? As reading; a public room also wants the connection joined,
   * which the room layer checks.
   */
  write(user: PublicUser, room: string): Promise<AccessVerdict>;
  /** May `user` moderate `room`: its owner and moderators, and administrators. */
  moderate(user: PublicUser, room: string): Promise<AccessVerdict>;
}

/**
 * The refusal of a room someone may not use, the same whether it exists or not.
 *
 * @example
 * ```ts
 * noAccessMessage("team"); // "team: no such room, or you are not one of its members"
 * ```
 */
export function noAccessMessage(room: string): string {
  return `${room}: no such room, or you are not one of its members`;
}

/** A room as one user finds it. */
interface Found {
  /** Null: no such room. */
  info: RoomInfo | null;
  membership: Membership | null;
  /** Whether the user may see it. */
  allowed: boolean;
  /** Whether `membership` was read (not so for a public room remembered here). */
  read: boolean;
}

/** The metadata of a public room nobody stored metadata for (made by `join` long ago). */
function legacyPublic(room: string): RoomInfo {
  return { room, visibility: "public", owner: null, createdAt: 0 };
}

/** Creates the {@linkcode RoomAccess} of one isolate. */
export function createRoomAccess(options: RoomAccessOptions): RoomAccess {
  const { memberships, store, clock } = options;
  const cacheSize = options.cacheSize ?? 10_000;
  const publicRooms = new Map<string, RoomInfo>();

  const remember = (info: RoomInfo) => {
    if (info.visibility !== "public") return;
    // Forgetting them all now and then is cheaper than ordering them; each costs one read again.
    if (publicRooms.size >= cacheSize) publicRooms.clear();
    publicRooms.set(info.room, info);
  };
  const refused = (room: string) => ({ ok: false as const, message: noAccessMessage(room) });

  /**
   * The room as `userId` finds it: its metadata (null: no such room), their
   * membership, whether they may see it, and whether the membership was read
   * (a public room remembered here is not read again).
   */
  const find = async (userId: string, room: string): Promise<Found> => {
    const known = publicRooms.get(room);
    if (known) return { info: known, membership: null, allowed: true, read: false };
    const { info, membership } = await memberships.access(room, userId, clock.now());
    if (info) {
      remember(info);
      return {
        info,
        membership,
        allowed: info.visibility === "public" || membership !== null,
        read: true,
      };
    }
    const exists = !isDmRoom(room) && (room === DEFAULT_ROOM || await store.exists(room));
    return { info: exists ? legacyPublic(room) : null, membership, allowed: exists, read: true };
  };

  const read = async (user: PublicUser, room: string): Promise<AccessVerdict> => {
    const { info, membership, allowed } = await find(user.id, room);
    return info && allowed ? { ok: true, info, membership } : refused(room);
  };

  return {
    async enter(user, room) {
      const record = await memberships.access(room, user.id, clock.now());
      if (isDmRoom(room)) {
        const { info, membership } = record;
        return info?.visibility === "dm" && membership
          ? { ok: true, info, role: membership.role, added: false }
          : refused(room);
      }
      // A name without metadata is free, or a room made by `join` long ago: public either way.
      const info = record.info ?? await memberships.ensurePublic(room, clock.now());
      remember(info);
      if (record.membership) {
        return { ok: true, info, role: record.membership.role, added: false };
      }
      if (info.visibility !== "public" && !record.invited) return refused(room);
      const outcome = await memberships.addMember(room, user, {
        now: clock.now(),
        requireInvitation: info.visibility !== "public",
      });
      if (outcome === "not_invited") return refused(room);
      return { ok: true, info, role: "member", added: outcome === "added" };
    },

    read,
    write: read,

    async moderate(user, room) {
      const found = await find(user.id, room);
      if (!found.info) return refused(room);
      const { info } = found;
      // Administrators moderate every room that exists, member or not.
      if (user.role === "admin") return { ok: true, info, membership: found.membership };
      if (!found.allowed) return refused(room);
      // A public room remembered here was not read: its membership is needed now.
      const membership = found.read
        ? found.membership
        : (await memberships.access(room, user.id, clock.now())).membership;
      if (membership?.role === "owner" || membership?.role === "moderator") {
        return { ok: true, info, membership };
      }
      return { ok: false, message: `only the owner and moderators of ${room} may do this` };
    },
  };
}

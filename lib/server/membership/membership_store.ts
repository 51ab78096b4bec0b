/**
 * What the server keeps about rooms besides their log: each room's metadata
 * (who may see it, its owner, a direct message's people), who belongs to it
 * and in what part (owner, moderator, member), how many members it has, and
 * who is invited to it. One interface, so that PostgreSQL
 * keeps the same facts; `kv_membership_store.ts` keeps them in Deno KV
 * (keys in `keys.ts`), `pg_membership_store.ts` in PostgreSQL, and
 * `tests/contracts/membership_store.ts` is what both pass.
 *
 * Membership belongs to a user (an account, or a guest for its life), not to
 * a connection: joining on one device makes the user a member on all of them.
 *
 * @example
 * ```ts
 * const store = createKvMembershipStore({ kv });
 * await store.createRoom({ room: "team", visibility: "private", owner: ada.id, createdAt: now }, ada);
 * await store.invite("team", bob, ada, now);
 * await store.addMember("team", bob, { now, requireInvitation: true }); // "added"
 * (await store.access("team", bob.id, now)).membership?.role; // "member"
 * ```
 */
import type { PublicUser, RoomRole } from "../../protocol/mod.ts";
import type { Membership, RoomInfo } from "./keys.ts";

/** What an access check reads in one go. */
export interface AccessRecord {
  /** The room's metadata; null for a room that does not exist, or one made before metadata was kept. */
  info: RoomInfo | null;
  /** The user's membership, or null. */
  membership: Membership | null;
  /** Whether the user holds a live invitation to the room. */
  invited: boolean;
}

/** The outcome of {@linkcode MembershipStore.addMember}. */
export type AddOutcome = "added" | "already" | "not_invited";

/** A page of one user's rooms, by name. */
export interface RoomsOfPage {
  rooms: string[];
  /** The last name read when the page is full (more may follow); null when the list ended. */
  frontier: string | null;
}

/** A page of one room's members, by user id. */
export interface MembersPage {
  members: Membership[];
  /** The `after` of the next page; null after the last. */
  next: string | null;
}

/** Where a page of {@linkcode MembershipStore.membershipsByUserPrefix} ended. */
export interface MembershipCursor {
  userId: string;
  room: string;
}

/** A page of memberships by user id, then room. */
export interface MembershipsPage {
  memberships: { room: string; membership: Membership }[];
  /** The `after` of the next page; null when the list ended. */
  next: MembershipCursor | null;
}

/** How long an invitation can wait to be taken. */
export const INVITATION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** Rooms' metadata, membership and invitations. */
export interface MembershipStore {
  /** The room's metadata, the user's membership and invitation. */
  access(room: string, userId: string, now: number): Promise<AccessRecord>;
  /** The metadata of those of `rooms` that have some. */
  infos(rooms: readonly string[]): Promise<Map<string, RoomInfo>>;
  /**
   * Makes a room with `owner` its first member, unless the name is taken:
   * by a room with metadata, or by one in the log (a room with messages, or an
   * empty room still listed).
   */
  createRoom(info: RoomInfo, owner: PublicUser): Promise<"created" | "taken">;
  /**
   * The metadata of a room `join` may make or enter: the stored one, or, for a
   * room without any, a public room's, stored now. Whoever stored first wins,
   * so a `create_room` racing with the join is never overwritten.
   */
  ensurePublic(room: string, now: number): Promise<RoomInfo>;
  /**
   * The direct message `info` names: made now with every one of its `people`
   * a member (`created`), or as it was.
   */
  openDm(info: RoomInfo & { people: PublicUser[] }): Promise<{ info: RoomInfo; created: boolean }>;
  /**
   * Makes `user` a member (part `member`); with `requireInvitation`, only if
   * they hold an invitation, which joining takes.
   */
  addMember(
    room: string,
    user: PublicUser,
    options: { now: number; requireInvitation?: boolean },
  ): Promise<AddOutcome>;
  /** Ends `userId`'s membership (and any invitation); resolves with what it was, or null. */
  removeMember(room: string, userId: string): Promise<Membership | null>;
  /** Gives a member another part; resolves with the membership as it is now, or null for none. */
  setRole(room: string, userId: string, role: RoomRole): Promise<Membership | null>;
  /** Lets `user` join `room` once, for {@linkcode INVITATION_TTL_MS} from `now`. */
  invite(room: string, user: PublicUser, by: PublicUser, now: number): Promise<void>;
  /** A page of the rooms `userId` belongs to, by name after `after`. */
  roomsOf(userId: string, page: { after?: string; limit: number }): Promise<RoomsOfPage>;
  /** A page of a room's members, by user id after `after`. */
  membersOf(room: string, page: { after?: string; limit: number }): Promise<MembersPage>;
  /** How many members each of `rooms` has (0 for none). */
  memberCounts(rooms: readonly string[]): Promise<Map<string, number>>;
  /**
   * A page of the memberships of users whose id starts with `prefix`, by user
   * id and then room, after `after` (the guests' memberships, to end those of
   * guests who are gone).
   */
  membershipsByUserPrefix(
    prefix: string,
    page: { after?: MembershipCursor; limit: number },
  ): Promise<MembershipsPage>;
}

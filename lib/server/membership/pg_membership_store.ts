/**
 * The {@linkcode MembershipStore} in PostgreSQL (tables `room_info`,
 * `room_members`, `room_member_counts` and `room_invitations`; see
 * `../postgres/migrations.ts`), with the guarantees of the Deno KV one: each
 * change is one transaction, so a membership and its room's count move
 * together, a room is made only where no room is (its metadata's primary key
 * decides, and the log's `room_heads` is read in the same transaction), and
 * an invitation is taken by exactly one join (it is deleted by the join that
 * uses it, and a second finds it gone).
 *
 * @example
 * ```ts
 * const store = createPgMembershipStore(pg.sql);
 * await store.ensurePublic("general", Date.now()); // { room: "general", visibility: "public", … }
 * ```
 */
import type { Sql, TransactionSql } from "../postgres/mod.ts";
import type { Invitation, Membership, RoomInfo } from "./keys.ts";
import { INVITATION_TTL_MS, type MembershipStore } from "./membership_store.ts";

/** Past every string that starts with the one it follows, in byte order. */
const PREFIX_END = "\u{10FFFF}";
/** Most lapsed invitations one `invite` deletes, so that none is held up for long. */
const PRUNE_BATCH = 100;

/** The room's name was taken meanwhile: the transaction is rolled back. */
class RoomTaken extends Error {}

/** Adds a membership and counts it, in `tx`; false if it was there already. */
async function addIn(tx: TransactionSql, room: string, membership: Membership): Promise<boolean> {
  const added = await tx`
    insert into room_members (room, user_id, membership)
    values (${room}, ${membership.user.id}, ${tx.json(membership)})
    on conflict (room, user_id) do nothing returning 1`;
  if (added.length === 0) return false;
  await tx`
    insert into room_member_counts (room, members) values (${room}, 1)
    on conflict (room) do update set members = room_member_counts.members + 1`;
  return true;
}

/** Creates the {@linkcode MembershipStore} in the PostgreSQL database of `sql` (migrated). */
export function createPgMembershipStore(sql: Sql): MembershipStore {
  const readInfo = async (room: string) => {
    const [row] = await sql<{ info: RoomInfo }[]>`select info from room_info where room = ${room}`;
    return row?.info ?? null;
  };

  return {
    async access(room, userId, now) {
      const [row] = await sql<
        { info: RoomInfo | null; membership: Membership | null; invited_at: number | null }[]
      >`
        select
          (select info from room_info where room = ${room}) as info,
          (select membership from room_members where room = ${room} and user_id = ${userId})
            as membership,
          (select at from room_invitations where room = ${room} and user_id = ${userId})
            as invited_at`;
      return {
        info: row.info,
        membership: row.membership,
        invited: row.invited_at !== null && now - row.invited_at < INVITATION_TTL_MS,
      };
    },

    async infos(rooms) {
      const rows = await sql<{ info: RoomInfo }[]>`
        select info from room_info where room = any(${[...rooms]}::text[])`;
      return new Map(rows.map(({ info }) => [info.room, info]));
    },

    async createRoom(info, owner) {
      try {
        await sql.begin(async (tx) => {
          const made = await tx`
            insert into room_info (room, info) values (${info.room}, ${tx.json(info)})
            on conflict (room) do nothing returning 1`;
          if (made.length === 0) throw new RoomTaken();
          // A room in the log: one with messages, or an empty one still listed.
          const inLog = await tx`
            select 1 from room_heads where room = ${info.room}
              and (head > 0 or unused_until > ${info.createdAt})`;
          if (inLog.length > 0) throw new RoomTaken();
          await addIn(tx, info.room, { user: owner, role: "owner", joinedAt: info.createdAt });
        });
        return "created";
      } catch (error) {
        if (error instanceof RoomTaken) return "taken";
        throw error;
      }
    },

    async ensurePublic(room, now) {
      const info: RoomInfo = { room, visibility: "public", owner: null, createdAt: now };
      // Whoever stored first wins: a `create_room` racing with the join is never overwritten.
      const [row] = await sql<{ info: RoomInfo }[]>`
        with made as (
          insert into room_info (room, info) values (${room}, ${sql.json(info)})
          on conflict (room) do nothing returning info)
        select info from made union all select info from room_info where room = ${room}`;
      return row?.info ?? (await readInfo(room)) ?? info;
    },

    openDm(info) {
      return sql.begin(async (tx) => {
        const made = await tx`
          insert into room_info (room, info) values (${info.room}, ${tx.json(info)})
          on conflict (room) do nothing returning 1`;
        if (made.length === 0) {
          // Opened by another of its people before: the same room.
          const [row] = await tx<{ info: RoomInfo }[]>`
            select info from room_info where room = ${info.room}`;
          return { info: row.info, created: false };
        }
        for (const user of info.people) {
          await addIn(tx, info.room, { user, role: "member", joinedAt: info.createdAt });
        }
        return { info, created: true };
      });
    },

    addMember(room, user, { now, requireInvitation = false }) {
      return sql.begin(async (tx) => {
        const [member] = await tx`
          select 1 from room_members where room = ${room} and user_id = ${user.id}`;
        if (member) return "already" as const;
        // Taking the invitation: of two joins with one invitation, only one deletes it.
        const taken = await tx<{ at: number }[]>`
          delete from room_invitations where room = ${room} and user_id = ${user.id}
          returning at`;
        const invited = taken.length === 1 && now - taken[0].at < INVITATION_TTL_MS;
        if (requireInvitation && !invited) {
          // The same user's other join may have taken it (and committed) meanwhile.
          const [joinedMeanwhile] = await tx`
            select 1 from room_members where room = ${room} and user_id = ${user.id}`;
          return joinedMeanwhile ? "already" as const : "not_invited" as const;
        }
        const added = await addIn(tx, room, { user, role: "member", joinedAt: now });
        return added ? "added" as const : "already" as const;
      });
    },

    removeMember(room, userId) {
      return sql.begin(async (tx) => {
        await tx`delete from room_invitations where room = ${room} and user_id = ${userId}`;
        const [row] = await tx<{ membership: Membership }[]>`
          delete from room_members where room = ${room} and user_id = ${userId}
          returning membership`;
        if (!row) return null;
        await tx`update room_member_counts set members = members - 1 where room = ${room}`;
        return row.membership;
      });
    },

    setRole(room, userId, role) {
      return sql.begin(async (tx) => {
        const [row] = await tx<{ membership: Membership }[]>`
          select membership from room_members where room = ${room} and user_id = ${userId}
          for update`;
        if (!row) return null;
        const changed: Membership = { ...row.membership, role };
        await tx`
          update room_members set membership = ${tx.json(changed)}
          where room = ${room} and user_id = ${userId}`;
        return changed;
      });
    },

    async invite(room, user, by, now) {
      const invitation: Invitation = { by, at: now };
      await sql`
        insert into room_invitations (room, user_id, invitation, at)
        values (${room}, ${user.id}, ${sql.json(invitation)}, ${now})
        on conflict (room, user_id) do update
          set invitation = excluded.invitation, at = excluded.at`;
      // Invitations nobody took: KV forgets them by itself (`expireIn`).
      await sql`
        delete from room_invitations where at <= ${now - INVITATION_TTL_MS} and (room, user_id) in (
          select room, user_id from room_invitations where at <= ${now - INVITATION_TTL_MS}
          limit ${PRUNE_BATCH} for update skip locked)`;
    },

    async roomsOf(userId, { after, limit }) {
      const rows = await sql<{ room: string }[]>`
        select room from room_members where user_id = ${userId} and room > ${after ?? ""}
        order by room limit ${limit}`;
      const rooms = rows.map((row) => row.room);
      return { rooms, frontier: rooms.length < limit ? null : rooms[rooms.length - 1] };
    },

    async membersOf(room, { after, limit }) {
      // One more than the page holds, to know whether another page follows.
      const rows = await sql<{ membership: Membership }[]>`
        select membership from room_members where room = ${room} and user_id > ${after ?? ""}
        order by user_id limit ${limit + 1}`;
      const members = rows.map((row) => row.membership);
      const more = members.length > limit;
      if (more) members.length = limit;
      return { members, next: more ? members[limit - 1].user.id : null };
    },

    async membershipsByUserPrefix(prefix, { after, limit }) {
      const from = after ?? { userId: "", room: "" };
      const rows = await sql<{ user_id: string; room: string; membership: Membership }[]>`
        select user_id, room, membership from room_members
        where user_id >= ${prefix} and user_id < ${prefix + PREFIX_END}
          and (user_id, room) > (${from.userId}, ${from.room})
        order by user_id, room limit ${limit}`;
      const memberships = rows.map(({ room, membership }) => ({ room, membership }));
      const last = rows[rows.length - 1];
      return {
        memberships,
        next: rows.length < limit ? null : { userId: last.user_id, room: last.room },
      };
    },

    async memberCounts(rooms) {
      const rows = await sql<{ room: string; members: number }[]>`
        select room, members from room_member_counts where room = any(${[...rooms]}::text[])`;
      const counts = new Map(rooms.map((room) => [room, 0]));
      for (const row of rows) counts.set(row.room, row.members);
      return counts;
    },
  };
}

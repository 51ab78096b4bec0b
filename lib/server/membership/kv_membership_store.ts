/**
 * The {@linkcode MembershipStore} in Deno KV (keys in `keys.ts`). Each change
 * is one atomic operation that checks what it read: a membership's two keys
 * and its room's count move together, a room is made only where no room is,
 * and an invitation is taken by exactly one join.
 *
 * @example
 * ```ts
 * const store = createKvMembershipStore({ kv });
 * await store.ensurePublic("general", Date.now()); // { room: "general", visibility: "public", … }
 * ```
 */
import {
  type BatchedGets,
  createBatchedGets,
  retryWhenLocked,
  roomHeadKey,
  roomUnusedKey,
} from "../store/mod.ts";
import {
  type Invitation,
  memberOfKey,
  memberOfPrefix,
  type Membership,
  type RoomInfo,
  roomInfoKey,
  roomInviteKey,
  roomMemberCountKey,
  roomMemberKey,
  roomMembersPrefix,
} from "./keys.ts";
import { createGroupedAdds, type NewMember } from "./grouped_adds.ts";
import { type AccessRecord, INVITATION_TTL_MS, type MembershipStore } from "./membership_store.ts";

/** Options of {@linkcode createKvMembershipStore}. */
export interface KvMembershipStoreOptions {
  kv: Deno.Kv;
  /**
   * The access checks' reads, shared with other small reads (the read
   * positions') so that a join storm packs them into few KV calls. Default:
   * batched among this store's own.
   */
  getMany?: BatchedGets;
}

// `getMany` reads at most 10 keys at a time.
const GET_MANY_LIMIT = 10;
/** Adding this to a `Deno.KvU64` subtracts one: sums wrap around at 2^64. */
const MINUS_ONE = (1n << 64n) - 1n;
/** Past every string that starts with the one it follows, in KV's key order. */
const PREFIX_END = "\u{10FFFF}";
/** Attempts at a change whose checks keep failing because others change the same keys. */
const ATTEMPTS = 10;
/** New members of one room written in one operation: two checks each, under KV's 100. */
const MEMBERS_PER_WRITE = 32;

/** Creates the {@linkcode MembershipStore} on `kv`. */
export function createKvMembershipStore(options: KvMembershipStoreOptions): MembershipStore {
  const { kv } = options;
  const batchedGetMany = options.getMany ?? createBatchedGets(kv);
  const readMany = async <T>(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> => {
    const chunks: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
    for (let start = 0; start < keys.length; start += GET_MANY_LIMIT) {
      chunks.push(kv.getMany<T[]>(keys.slice(start, start + GET_MANY_LIMIT)));
    }
    return (await Promise.all(chunks)).flat();
  };

  /** Runs `attempt` until it commits (true) or has nothing to do (its own answer). */
  const repeat = async <T>(attempt: () => Promise<{ done: T } | null>): Promise<T> => {
    for (let tries = 0; tries < ATTEMPTS; tries++) {
      const outcome = await attempt();
      if (outcome) return outcome.done;
    }
    throw new Error("membership change kept conflicting with others");
  };

  const commit = (operation: Deno.AtomicOperation) => retryWhenLocked(() => operation.commit());

  /** Adds the two keys of a membership and counts it, on `operation`. */
  const addTo = (operation: Deno.AtomicOperation, room: string, membership: Membership) =>
    operation
      .set(memberOfKey(membership.user.id, room), { joinedAt: membership.joinedAt })
      .set(roomMemberKey(room, membership.user.id), membership)
      .sum(roomMemberCountKey(room), 1n);

  /** An entry read as absent, for an operation that checks it still is. */
  const absent = <T>(key: Deno.KvKey): Deno.KvEntryMaybe<T> => ({
    key,
    value: null,
    versionstamp: null,
  });

  /** The `ensurePublic` calls under way, by room. */
  const ensuring = new Map<string, Promise<RoomInfo>>();
  const readInfo = async (room: string) => (await kv.get<RoomInfo>(roomInfoKey(room))).value;

  /**
   * Adds one member the exact way: reads their membership and invitation,
   * and writes with both checked (an invitation, when one is wanted, is used up).
   */
  const addOne = (room: string, member: NewMember, requireInvitation: boolean) => {
    const { user, joinedAt: now } = member;
    const keys = [roomMemberKey(room, user.id), roomInviteKey(room, user.id)] as const;
    return repeat(async () => {
      const [membership, invitation] = await kv.getMany<[Membership, Invitation]>(keys);
      if (membership.value) return { done: "already" as const };
      const invited = invitation.value !== null && now - invitation.value.at < INVITATION_TTL_MS;
      if (requireInvitation && !invited) return { done: "not_invited" as const };
      const operation = kv.atomic().check(membership, invitation).delete(invitation.key);
      addTo(operation, room, { user, role: "member", joinedAt: now });
      return (await commit(operation)).ok ? { done: "added" as const } : null;
    });
  };

  // Whoever enters a public room was just found without a membership, and most
  // have no invitation: a batch assumes both keys absent for each of its
  // members and lets the operation's checks say otherwise, saving a read per
  // new member; new members who arrive together share one commit.
  const addToPublic = createGroupedAdds({
    maxBatch: MEMBERS_PER_WRITE,
    async writeBatch(room, members) {
      const operation = kv.atomic();
      for (const { user, joinedAt } of members) {
        const memberKey = roomMemberKey(room, user.id);
        operation.check(absent(memberKey), absent(roomInviteKey(room, user.id)))
          .set(memberOfKey(user.id, room), { joinedAt })
          .set(memberKey, { user, role: "member", joinedAt } satisfies Membership);
      }
      operation.sum(roomMemberCountKey(room), BigInt(members.length));
      return (await commit(operation)).ok;
    },
    addOne: (room, member) => addOne(room, member, false) as Promise<"added" | "already">,
  });

  return {
    async access(room, userId, now): Promise<AccessRecord> {
      const [info, membership, invitation] = await batchedGetMany<
        [RoomInfo, Membership, Invitation]
      >([
        roomInfoKey(room),
        roomMemberKey(room, userId),
        roomInviteKey(room, userId),
      ]);
      return {
        info: info.value,
        membership: membership.value,
        invited: invitation.value !== null && now - invitation.value.at < INVITATION_TTL_MS,
      };
    },

    async infos(rooms) {
      const found = new Map<string, RoomInfo>();
      for (const entry of await readMany<RoomInfo>(rooms.map(roomInfoKey))) {
        if (entry.value) found.set(entry.value.room, entry.value);
      }
      return found;
    },

    async createRoom(info, owner) {
      const { room, createdAt } = info;
      const [stored, head, unused] = await kv.getMany<[RoomInfo, number, { until: number }]>([
        roomInfoKey(room),
        roomHeadKey(room),
        roomUnusedKey(room),
      ]);
      const inLog = (head.value ?? 0) > 0 || (unused.value?.until ?? 0) > createdAt;
      if (stored.value || inLog) return "taken";
      const operation = kv.atomic().check(stored, head, unused).set(roomInfoKey(room), info);
      addTo(operation, room, { user: owner, role: "owner", joinedAt: createdAt });
      // Lost to someone making or entering a room of that name meanwhile.
      return (await commit(operation)).ok ? "created" : "taken";
    },

    ensurePublic(room, now) {
      // A room's metadata never changes once stored, so whoever asks while a
      // call for the room is under way gets what that call finds or makes: a
      // storm of first joins into a new room reads and writes it once.
      const running = ensuring.get(room);
      if (running) return running;
      const ensured = repeat(async () => {
        const stored = await kv.get<RoomInfo>(roomInfoKey(room));
        if (stored.value) return { done: stored.value };
        const info: RoomInfo = { room, visibility: "public", owner: null, createdAt: now };
        const result = await commit(kv.atomic().check(stored).set(roomInfoKey(room), info));
        return result.ok ? { done: info } : null;
      }).finally(() => ensuring.delete(room));
      ensuring.set(room, ensured);
      return ensured;
    },

    async openDm(info) {
      const stored = await kv.get<RoomInfo>(roomInfoKey(info.room));
      if (stored.value) return { info: stored.value, created: false };
      const operation = kv.atomic().check(stored).set(roomInfoKey(info.room), info);
      for (const user of info.people) {
        addTo(operation, info.room, { user, role: "member", joinedAt: info.createdAt });
      }
      if ((await commit(operation)).ok) return { info, created: true };
      // Opened by another of its people at the same moment: the same room.
      return { info: (await readInfo(info.room)) ?? info, created: false };
    },

    addMember(room, user, { now, requireInvitation = false }) {
      return requireInvitation
        ? addOne(room, { user, joinedAt: now }, true)
        : addToPublic(room, { user, joinedAt: now });
    },

    removeMember(room, userId) {
      return repeat(async () => {
        const entry = await kv.get<Membership>(roomMemberKey(room, userId));
        const operation = kv.atomic().check(entry).delete(roomInviteKey(room, userId));
        if (entry.value) {
          operation.delete(entry.key).delete(memberOfKey(userId, room))
            .sum(roomMemberCountKey(room), MINUS_ONE);
        }
        return (await commit(operation)).ok ? { done: entry.value } : null;
      });
    },

    setRole(room, userId, role) {
      return repeat(async () => {
        const entry = await kv.get<Membership>(roomMemberKey(room, userId));
        if (!entry.value) return { done: null };
        const changed: Membership = { ...entry.value, role };
        const result = await commit(kv.atomic().check(entry).set(entry.key, changed));
        return result.ok ? { done: changed } : null;
      });
    },

    async invite(room, user, by, now) {
      const invitation: Invitation = { by, at: now };
      await retryWhenLocked(() =>
        kv.set(roomInviteKey(room, user.id), invitation, { expireIn: INVITATION_TTL_MS })
      );
    },

    async roomsOf(userId, { after, limit }) {
      const prefix = memberOfPrefix(userId);
      const selector = after === undefined ? { prefix } : { prefix, start: [...prefix, after, 0] };
      const rooms: string[] = [];
      for await (const entry of kv.list(selector, { limit })) {
        rooms.push(String(entry.key[prefix.length]));
      }
      return { rooms, frontier: rooms.length < limit ? null : rooms[rooms.length - 1] };
    },

    async membersOf(room, { after, limit }) {
      const prefix = roomMembersPrefix(room);
      const selector = after === undefined ? { prefix } : { prefix, start: [...prefix, after, 0] };
      const members: Membership[] = [];
      // One more than the page holds, to know whether another page follows.
      for await (const entry of kv.list<Membership>(selector, { limit: limit + 1 })) {
        members.push(entry.value);
      }
      const more = members.length > limit;
      if (more) members.length = limit;
      return { members, next: more ? members[limit - 1].user.id : null };
    },

    async membershipsByUserPrefix(prefix, { after, limit }) {
      const start = after ? [...memberOfKey(after.userId, after.room), 0] : memberOfPrefix(prefix);
      const end = memberOfPrefix(prefix + PREFIX_END);
      const keys: { userId: string; room: string }[] = [];
      for await (const entry of kv.list({ start, end }, { limit })) {
        keys.push({ userId: String(entry.key[1]), room: String(entry.key[2]) });
      }
      const entries = await readMany<Membership>(
        keys.map(({ userId, room }) => roomMemberKey(room, userId)),
      );
      const memberships = entries.flatMap((entry, index) =>
        // Ended between the two reads: nothing to page over.
        entry.value ? [{ room: keys[index].room, membership: entry.value }] : []
      );
      return { memberships, next: keys.length < limit ? null : keys[keys.length - 1] };
    },

    async memberCounts(rooms) {
      const counts = new Map<string, number>();
      const entries = await readMany<Deno.KvU64>(rooms.map(roomMemberCountKey));
      entries.forEach((entry, index) => counts.set(rooms[index], Number(entry.value?.value ?? 0n)));
      return counts;
    },
  };
}

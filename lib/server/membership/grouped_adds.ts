/**
 * New members of a public room written together: members who enter a room
 * while one of its writes is under way wait for it and go together into the
 * next, one atomic operation with every member's own checks (up to
 * `maxBatch`). A join storm into one room thus costs one commit (one
 * `fsync`) per write's duration, not one per member. A batch whose checks
 * fail (someone in it was already a member, or held an invitation) or whose
 * write fails is done again one member at a time, so each outcome is exactly
 * what it would have been alone. Nobody's promise settles before their
 * membership is stored.
 *
 * @example
 * ```ts
 * const add = createGroupedAdds({
 *   maxBatch: 32,
 *   writeBatch: (room, members) => commitAllAbsent(room, members), // true: all stored
 *   addOne: (room, member) => addWithReads(room, member), // "added" | "already"
 * });
 * await add("general", { user: ada, joinedAt: Date.now() }); // "added"
 * ```
 */
import type { PublicUser } from "../../protocol/mod.ts";

/** A member to add: who, and since when. */
export interface NewMember {
  user: PublicUser;
  joinedAt: number;
}

/** What adding one member came to. */
export type GroupedAddOutcome = "added" | "already";

/** Options of {@linkcode createGroupedAdds}. */
export interface GroupedAddsOptions {
  /** Most members in one write. */
  maxBatch: number;
  /**
   * Writes `members` of `room` in one operation that checks each had no
   * membership and no invitation: true when stored, false when a check failed
   * (nothing stored).
   */
  writeBatch(room: string, members: NewMember[]): Promise<boolean>;
  /** Adds one member the exact way, reading what it checks. */
  addOne(room: string, member: NewMember): Promise<GroupedAddOutcome>;
}

interface PendingAdd {
  member: NewMember;
  resolve(outcome: GroupedAddOutcome): void;
  reject(error: unknown): void;
}

/** A room's members waiting for the write under way to end, and who they are. */
interface RoomQueue {
  waiting: PendingAdd[];
  userIds: Set<string>;
}

/** Creates the grouped writer; the function it returns adds one member through it. */
export function createGroupedAdds(
  options: GroupedAddsOptions,
): (room: string, member: NewMember) => Promise<GroupedAddOutcome> {
  const { maxBatch, writeBatch, addOne } = options;
  const queues = new Map<string, RoomQueue>();

  const settleOne = async (room: string, pending: PendingAdd) => {
    try {
      pending.resolve(await addOne(room, pending.member));
    } catch (error) {
      pending.reject(error);
    }
  };

  const drain = async (room: string, queue: RoomQueue) => {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, maxBatch);
      for (const pending of batch) queue.userIds.delete(pending.member.user.id);
      let stored = false;
      try {
        stored = await writeBatch(room, batch.map((pending) => pending.member));
      } catch (error) {
        // A lone member's failure is its own; a batch's is retried member by member.
        if (batch.length === 1) {
          batch[0].reject(error);
          continue;
        }
      }
      if (stored) {
        for (const pending of batch) pending.resolve("added");
        continue;
      }
      // Someone in the batch was a member already or invited: each one alone, exactly.
      await Promise.all(batch.map((pending) => settleOne(room, pending)));
    }
    queues.delete(room);
  };

  return (room, member) =>
    new Promise<GroupedAddOutcome>((resolve, reject) => {
      const pending = { member, resolve, reject };
      const queue = queues.get(room);
      if (!queue) {
        const fresh = { waiting: [pending], userIds: new Set([member.user.id]) };
        queues.set(room, fresh);
        drain(room, fresh);
        return;
      }
      // The same user twice in one operation would count them twice: the second goes alone,
      // and the operations' checks let only one of the two write.
      if (queue.userIds.has(member.user.id)) {
        settleOne(room, pending);
        return;
      }
      queue.waiting.push(pending);
      queue.userIds.add(member.user.id);
    });
}

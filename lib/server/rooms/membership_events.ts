/**
 * What the room layer tells the rest of the cluster when membership changes:
 * a user's membership of a room began or ended (their connections elsewhere
 * leave the room when it ended, and every connection of theirs is told), or
 * someone invited them. They travel as the cluster's reliable events (topics
 * `membership_changed`, `members_joined` and `invitation`), so they reach
 * every instance; this is the one place that sends them. Memberships of a
 * room that began in the same turn (a join storm's members, stored by one
 * commit) go out as one `members_joined` event, not one event each: every
 * event is a post to every instance and a parse in each.
 *
 * @example
 * ```ts
 * const notices = createMembershipEvents(events);
 * notices.changed("user:bob", "team", false, "removed"); // bob's connections leave team
 * notices.invited("user:bob", "team", ada);
 * const stop = notices.onEnded(({ user_id, room, reason }) => evict(user_id, room, reason));
 * ```
 */
import type { PublicUser } from "../../protocol/mod.ts";
import { type EventBus, MEMBERS_JOINED_MAX, type TopicEvent } from "../bus/mod.ts";

/** Why a membership changed. */
export type MembershipReason = TopicEvent<"membership_changed">["reason"];

/** Membership news, sent to every instance. */
export interface MembershipEvents {
  /** `userId`'s membership of `room` began (`joined`) or ended (`left`, `removed`). */
  changed(userId: string, room: string, joined: boolean, reason: MembershipReason): void;
  /** `by` invited `userId` to `room`. */
  invited(userId: string, room: string, by: PublicUser): void;
  /** Listens to memberships that ended; returns the unsubscribe. */
  onEnded(listener: (event: TopicEvent<"membership_changed">) => void): () => void;
}

/** Creates the {@linkcode MembershipEvents} over the bus's events. */
export function createMembershipEvents(events: EventBus): MembershipEvents {
  /** Users whose membership began this turn, by room. */
  const began = new Map<string, string[]>();

  const announceBegun = () => {
    for (const [room, userIds] of began) {
      for (let start = 0; start < userIds.length; start += MEMBERS_JOINED_MAX) {
        const user_ids = userIds.slice(start, start + MEMBERS_JOINED_MAX);
        events.emit("members_joined", { room, user_ids });
      }
    }
    began.clear();
  };

  return {
    changed(userId, room, joined, reason) {
      if (!joined) {
        return events.emit("membership_changed", { user_id: userId, room, joined, reason });
      }
      if (began.size === 0) queueMicrotask(announceBegun);
      const userIds = began.get(room);
      if (userIds) userIds.push(userId);
      else began.set(room, [userId]);
    },
    invited: (userId, room, by) => events.emit("invitation", { user_id: userId, room, by }),
    onEnded: (listener) =>
      events.on("membership_changed", (event) => {
        if (!event.joined) listener(event);
      }),
  };
}

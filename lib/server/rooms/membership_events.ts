/**
 * What the room layer tells the rest of the cluster when membership changes:
 * a user's membership of a room began or ended (their connections elsewhere
 * leave the room when it ended, and every connection of theirs is told), or
 * someone invited them. They travel as the cluster's reliable events (topics
 * `membership_changed` and `invitation`), so they reach every instance; this
 * is the one place that sends them.
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
import type { EventBus, TopicEvent } from "../bus/mod.ts";

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
  return {
    changed: (userId, room, joined, reason) =>
      events.emit("membership_changed", { user_id: userId, room, joined, reason }),
    invited: (userId, room, by) => events.emit("invitation", { user_id: userId, room, by }),
    onEnded: (listener) =>
      events.on("membership_changed", (event) => {
        if (!event.joined) listener(event);
      }),
  };
}

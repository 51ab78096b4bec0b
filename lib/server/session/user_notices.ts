/**
 * Frames for a user rather than a room: every connection of the user on this
 * instance hears that someone invited them (`invitation`), and those that
 * asked (`subscribe_membership`) that their membership of a room began or
 * ended (`membership`, so each device's sidebar follows); the account's other
 * connections, that its read position in a room moved (`read`); every
 * connection of a mentioned member, the mention (`mention`). The room layer
 * sends the news as the cluster's reliable events (topics
 * `membership_changed`, `members_joined`, `invitation`, `read_moved` and
 * `mention`), which
 * reach every instance; this is where each instance hands
 * it to its connections.
 *
 * @example
 * ```ts
 * const notices = createUserNotices({ events, hub });
 * // later, on shutdown:
 * notices.stop();
 * ```
 */
import type { EventBus } from "../bus/mod.ts";
import type { Hub } from "./hub.ts";

/** What {@linkcode createUserNotices} needs. */
export interface UserNoticesOptions {
  events: EventBus;
  hub: Pick<Hub, "sendToUser">;
}

/** The listening, until {@linkcode UserNotices.stop}. */
export interface UserNotices {
  stop(): void;
}

/** Starts handing membership news and invitations to the users' connections here. */
export function createUserNotices({ events, hub }: UserNoticesOptions): UserNotices {
  const stops = [
    events.on("membership_changed", ({ user_id, room, joined }) => {
      const frame = { type: "membership" as const, room, joined };
      hub.sendToUser(user_id, frame, (connection) => connection.hearsMembership);
    }),
    events.on("members_joined", ({ room, user_ids }) => {
      const frame = { type: "membership" as const, room, joined: true };
      for (const userId of user_ids) {
        hub.sendToUser(userId, frame, (connection) => connection.hearsMembership);
      }
    }),
    events.on("invitation", ({ user_id, room, by }) => {
      hub.sendToUser(user_id, { type: "invitation", room, by });
    }),
    events.on("read_moved", ({ user_id, room, seq, session }) => {
      const frame = { type: "read" as const, room, seq };
      hub.sendToUser(user_id, frame, (connection) => connection.session !== session);
    }),
    events.on("mention", ({ user_id, room, seq, by, text }) => {
      hub.sendToUser(user_id, { type: "mention", room, seq, by, text });
    }),
  ];
  return { stop: () => stops.forEach((stop) => stop()) };
}

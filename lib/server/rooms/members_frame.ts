/**
 * The answer to `members`: a page of the users online in a room, by name,
 * after the `after` of the page before and, if asked, only the names starting
 * with `prefix`. It reads presence's sorted view, so a page costs its length
 * and two binary searches whatever the room's size, and is at most
 * `MEMBERS_LIMIT_MAX` users; the hub has already held the frame to the rate
 * limit. Who may list a room is who may read it (`access.ts`: a private room
 * or a direct message only its members and people), and a closed room answers
 * `forbidden`, in that order, as `join` does: a refusal says nothing of the
 * room. Listing needs no join (a room list may show who is in a room before
 * entering it).
 *
 * @example
 * ```ts
 * const members = createMembersFrame({ presence, access, closures, replies });
 * await members(member, { type: "members", room: "general", limit: 50 });
 * // member gets { type: "members", room: "general", users: [..50], next: "bob", count: 1284 }
 * ```
 */
import { type ClientFrameOf, MEMBERS_LIMIT_DEFAULT } from "../../protocol/mod.ts";
import type { Presence } from "../presence/mod.ts";
import type { RoomAccess } from "./access.ts";
import type { RoomMember } from "./member.ts";
import type { RoomClosures } from "./room_closures.ts";
import type { RoomReplies } from "./room_replies.ts";

/** What {@linkcode createMembersFrame} needs. */
export interface MembersFrameOptions {
  presence: Pick<Presence, "count" | "page">;
  access: Pick<RoomAccess, "read">;
  closures?: Pick<RoomClosures, "isClosed">;
  replies: Pick<RoomReplies, "reply" | "replyError">;
}

/** Answers one `members` frame. */
export type MembersFrameHandler = (
  member: RoomMember,
  frame: ClientFrameOf<"members">,
) => Promise<void>;

/** Creates the {@linkcode MembersFrameHandler}. */
export function createMembersFrame(options: MembersFrameOptions): MembersFrameHandler {
  const { presence, access, closures, replies } = options;
  return async (member, { room, after, prefix, limit, ref }) => {
    const verdict = await access.read(member.user, room);
    if (!verdict.ok) return replies.replyError(member, room, "forbidden", verdict.message, ref);
    if (await closures?.isClosed(room)) {
      return replies.replyError(member, room, "forbidden", `${room} is closed`, ref);
    }
    const page = presence.page(room, { after, prefix, limit: limit ?? MEMBERS_LIMIT_DEFAULT });
    replies.reply(member, {
      type: "members",
      room,
      users: page.users,
      next: page.next,
      count: presence.count(room),
      ref,
    });
  };
}

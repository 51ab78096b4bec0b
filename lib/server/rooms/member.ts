/**
 * What the room service needs from a connection. The hub's `Connection`
 * implements it as it is; tests implement it with a list of received frames.
 *
 * @example
 * ```ts
 * const received: string[] = [];
 * const member: RoomMember = {
 *   session: "s1",
 *   user: { id: "u1", name: "ada", role: "user" },
 *   rooms: new Set(),
 *   sendText: (text) => received.push(text),
 * };
 * ```
 */
import type { PublicUser, SessionUser } from "../../protocol/mod.ts";

/** One connection as a member of rooms. */
export interface RoomMember {
  /** Unique per connection: two tabs of one user are two members. */
  readonly session: string;
  /** The token's user; the only source of a message's author. */
  readonly user: SessionUser;
  /** The rooms this connection joined; the room service keeps it current. */
  readonly rooms: Set<string>;
  /** Sends one serialized server frame; must not throw. */
  sendText(text: string): void;
}

/**
 * A member's user as other people see it: the author of its messages, its
 * entry in presence (with its role, so that guests show as guests).
 *
 * @example
 * ```ts
 * publicUserOf(member); // { id: "u1", name: "ada", role: "user" }
 * ```
 */
export function publicUserOf({ user }: RoomMember): PublicUser {
  return { id: user.id, name: user.name, role: user.role };
}

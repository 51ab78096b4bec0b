import type { PublicUser, RoomMemberEntry, RoomRole } from "../../lib/protocol/frames.ts";
import { Avatar } from "./Avatar.tsx";
import { isGuest, UserName } from "./UserName.tsx";

/** Props of {@linkcode MemberList}. */
export interface MemberListProps {
  /** The room's members; null while loading. */
  members: readonly RoomMemberEntry[] | null;
  meId: string | null;
  /** Your part in the room, and whether you are an administrator. */
  myRole: RoomRole | null;
  admin: boolean;
  /** A direct message: its people are fixed. */
  fixed: boolean;
  /** Why the last action failed, if it did. */
  error: string | null;
  onRole(user: PublicUser, role: "moderator" | "member"): void;
  onRemove(user: PublicUser): void;
}

const ROLE_WORDS: Record<RoomRole, string | null> = {
  owner: "owner",
  moderator: "moderator",
  member: null,
};

/**
 * Everyone who belongs to the room (online or not), with their part in it,
 * and the actions the viewer may take: the owner gives and takes the
 * moderator role and removes anyone; moderators remove members;
 * administrators remove anyone but the owner.
 */
export function MemberList(props: MemberListProps) {
  const { members, meId, myRole, admin, fixed } = props;
  if (members === null) return <p class="muted small">Loading members…</p>;
  const mayGiveRoles = (target: RoomRole) => myRole === "owner" && !fixed && target !== "owner";
  const mayRemove = (target: RoomRole) =>
    !fixed && target !== "owner" &&
    (admin || myRole === "owner" || (myRole === "moderator" && target === "member"));
  return (
    <>
      {props.error && <p class="field-error" role="alert">{props.error}</p>}
      <ul class="presence-list member-list">
        {members.map(({ user, role }) => (
          <li key={user.id} class="presence-item">
            <Avatar name={user.name} guest={isGuest(user)} size="sm" />
            <UserName user={user} class="member-name" />
            {ROLE_WORDS[role] && <span class="role-tag">{ROLE_WORDS[role]}</span>}
            {user.id !== meId && (mayGiveRoles(role) || mayRemove(role)) && (
              <span class="member-actions">
                {mayGiveRoles(role) && (
                  <button
                    type="button"
                    class="link-button"
                    onClick={() =>
                      props.onRole(user, role === "moderator" ? "member" : "moderator")}
                  >
                    {role === "moderator" ? "Make member" : "Make moderator"}
                  </button>
                )}
                {mayRemove(role) && (
                  <button
                    type="button"
                    class="link-button danger"
                    onClick={() => props.onRemove(user)}
                  >
                    Remove<span class="sr-only">{user.name}</span>
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

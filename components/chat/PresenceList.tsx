import type { ComponentChildren } from "preact";
import type { PublicUser } from "../../lib/protocol/frames.ts";
import { Avatar } from "./Avatar.tsx";
import { isGuest, UserName } from "./UserName.tsx";

/** Props of {@linkcode PresenceList}. */
export interface PresenceListProps {
  users: readonly PublicUser[];
  meId: string | null;
  loaded: boolean;
  /** Shown as a drawer on narrower screens (where it is no column of its own). */
  open: boolean;
  onClose(): void;
  /** Shown below the people online: the room's members. */
  children?: ComponentChildren;
}

/**
 * Who is in the room now, you first, then what `children` add (the members):
 * a column beside the messages on wide screens, a drawer opened from the room
 * header on narrower ones.
 */
export function PresenceList(
  { users, meId, loaded, open, onClose, children }: PresenceListProps,
) {
  const sorted = [...users].sort((a, b) =>
    Number(b.id === meId) - Number(a.id === meId) || a.name.localeCompare(b.name)
  );
  return (
    <>
      {open && (
        <div class="drawer-backdrop presence-backdrop" onClick={onClose} aria-hidden="true" />
      )}
      <aside class="presence" id="presence-panel" data-open={open} aria-labelledby="presence-title">
        <div class="presence-head">
          <h2 class="sidebar-title" id="presence-title">
            In this room{loaded && <span class="count">{users.length}</span>}
          </h2>
          <button type="button" class="icon-button presence-close" onClick={onClose}>
            <svg viewBox="0 0 20 20" aria-hidden="true">
              <path d="M5 5l10 10M15 5L5 15" />
            </svg>
            <span class="sr-only">Close the list of people</span>
          </button>
        </div>
        {!loaded
          ? <p class="muted small">Waiting for the connection…</p>
          : (
            <ul class="presence-list">
              {sorted.map((user) => (
                <li key={user.id} class="presence-item">
                  <span class="presence-avatar">
                    <Avatar name={user.name} guest={isGuest(user)} size="sm" />
                    <span class="online-dot" aria-hidden="true" />
                  </span>
                  <UserName user={user} class="presence-name" />
                  {user.id === meId && <span class="you-tag">you</span>}
                </li>
              ))}
            </ul>
          )}
        {children}
      </aside>
    </>
  );
}

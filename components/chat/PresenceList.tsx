import type { PublicUser } from "../../lib/protocol/mod.ts";
import { Avatar } from "./Avatar.tsx";

/** Who is in the room now, you first. */
export function PresenceList(
  { users, meId, loaded }: { users: readonly PublicUser[]; meId: string | null; loaded: boolean },
) {
  const sorted = [...users].sort((a, b) =>
    Number(b.id === meId) - Number(a.id === meId) || a.name.localeCompare(b.name)
  );
  return (
    <aside class="presence" aria-labelledby="presence-title">
      <h2 class="sidebar-title" id="presence-title">
        In this room{loaded && <span class="count">{users.length}</span>}
      </h2>
      {!loaded ? <p class="muted small">Waiting for the connection…</p> : (
        <ul class="presence-list">
          {sorted.map((user) => (
            <li key={user.id} class="presence-item">
              <span class="presence-avatar">
                <Avatar name={user.name} size="sm" />
                <span class="online-dot" aria-hidden="true" />
              </span>
              <span class="presence-name">{user.name}</span>
              {user.id === meId && <span class="you-tag">you</span>}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}

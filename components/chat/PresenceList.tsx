import type { ComponentChildren } from "preact";
import type { PublicUser } from "../../lib/protocol/frames.ts";
import { Avatar } from "./Avatar.tsx";
import { countLabel } from "./format.ts";
import { isGuest, UserName } from "./UserName.tsx";

/** Props of {@linkcode PresenceList}: a room's member list (`lib/client/member_list.ts`). */
export interface PresenceListProps {
  /** The people shown, by name: everyone, or in a big room the pages read so far. */
  users: readonly PublicUser[];
  /** How many are online in the room. */
  online: number;
  /** The search typed. */
  query: string;
  /** Whether more people can be read, and whether a page is on its way. */
  hasMore: boolean;
  loading: boolean;
  meId: string | null;
  loaded: boolean;
  /** Shown as a drawer on narrower screens (where it is no column of its own). */
  open: boolean;
  onClose(): void;
  onSearch(query: string): void;
  onMore(): void;
  /** Shown below the people online: the room's members. */
  children?: ComponentChildren;
}

/**
 * Who is in the room now, by name, with a search by the start of a name and,
 * in a big room, "Show more" for the next page, then what `children` add (the
 * members): a column beside the messages on wide screens, a drawer opened
 * from the room header on narrower ones.
 */
export function PresenceList(props: PresenceListProps) {
  const { users, online, query, hasMore, loading, meId, loaded, open, onClose } = props;
  return (
    <>
      {open && (
        <div class="drawer-backdrop presence-backdrop" onClick={onClose} aria-hidden="true" />
      )}
      <aside class="presence" id="presence-panel" data-open={open} aria-labelledby="presence-title">
        <div class="presence-head">
          <h2 class="sidebar-title" id="presence-title">
            In this room{loaded && <span class="count">{countLabel(online)}</span>}
          </h2>
          <button type="button" class="icon-button presence-close" onClick={onClose}>
            <svg viewBox="0 0 20 20" aria-hidden="true">
              <path d="M5 5l10 10M15 5L5 15" />
            </svg>
            <span class="sr-only">Close the list of people</span>
          </button>
        </div>
        {!loaded ? <p class="muted small">Waiting for the connection…</p> : (
          <>
            <input
              class="input presence-search"
              type="search"
              placeholder="Find someone"
              aria-label="Find someone in this room by name"
              maxLength={64}
              autoComplete="off"
              spellcheck={false}
              value={query}
              onInput={(event) => props.onSearch(event.currentTarget.value)}
            />
            <ul class="presence-list" aria-busy={loading}>
              {users.map((user) => (
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
            {users.length === 0 && !loading && query !== "" && (
              <p class="muted small">Nobody here by that name.</p>
            )}
            {hasMore && (
              <button
                type="button"
                class="button button-quiet presence-more"
                disabled={loading}
                onClick={props.onMore}
              >
                {loading ? "Loading…" : "Show more"}
              </button>
            )}
          </>
        )}
        {props.children}
      </aside>
    </>
  );
}

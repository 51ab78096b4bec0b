import { useState } from "preact/hooks";
import type { RoomSummary } from "../../lib/client/room_directory.ts";
import type { PublicUser } from "../../lib/protocol/frames.ts";
import { isRoomName, ROOM_NAME_HELP } from "../../lib/protocol/names.ts";
import { Avatar } from "./Avatar.tsx";
import { isGuest, UserName } from "./UserName.tsx";

/** Props of {@linkcode RoomsSidebar}. */
export interface RoomsSidebarProps {
  /** The rooms the server lists for you, with their counts. */
  directory: readonly RoomSummary[];
  /** Rooms you belong to (not direct messages). */
  mine: readonly string[];
  /** Direct messages you belong to. */
  dms: readonly string[];
  active: string;
  /** Unread messages per room you belong to. */
  unread: Readonly<Record<string, number>>;
  /** Unread messages that mention you, per room you belong to. */
  mentions: Readonly<Record<string, number>>;
  /** Live online counts of joined rooms (from presence); the directory's otherwise. */
  liveMembers: Readonly<Record<string, number>>;
  /** The rooms only their members see. */
  privateRooms: ReadonlySet<string>;
  /** How a direct message is named: after the other people in it. */
  dmLabel(room: string): string;
  me: PublicUser | null;
  /** Shown as a drawer on narrow screens. */
  open: boolean;
  onOpenRoom(room: string): void;
  onNewRoom(): void;
  onMessageSomeone(): void;
  onClose(): void;
  onSignOut(): void;
  onDiagnostics(): void;
  /** Whether mentions may be notified while the page is hidden (the browser's permission). */
  notifications: NotificationPermission | "unsupported";
  /** Asks the browser's permission to notify (only ever from this button). */
  onAllowNotifications(): void;
}

function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey &&
    !event.altKey;
}

/**
 * Your rooms (with unread badges, a lock on private ones), your direct
 * messages (named after the other people), public rooms to join, and the ways
 * to start something: a private room, a direct message, a public room by name.
 */
export function RoomsSidebar(props: RoomsSidebarProps) {
  const { directory, mine, dms, active, unread, mentions, liveMembers } = props;
  const online = (room: string) =>
    liveMembers[room] ?? directory.find((entry) => entry.room === room)?.online ?? 0;
  const others = directory.filter((entry) =>
    entry.visibility === "public" && !mine.includes(entry.room)
  );

  const roomLink = (room: string, counted: boolean, dm = false) => (
    <li key={room}>
      <a
        class="room-link"
        href={`/?room=${room}`}
        aria-current={room === active ? "page" : undefined}
        onClick={(event) => {
          if (!isPlainClick(event)) return;
          event.preventDefault();
          props.onOpenRoom(room);
        }}
      >
        <span class="hash" aria-hidden="true">
          {dm ? "@" : props.privateRooms.has(room) ? <LockIcon /> : "#"}
        </span>
        <span class="room-name">{dm ? props.dmLabel(room) : room}</span>
        {props.privateRooms.has(room) && <span class="sr-only">(private)</span>}
        {counted && (
          <CountBadge
            class="mention-badge"
            count={mentions[room] ?? 0}
            what="mentions"
          />
        )}
        {counted && <CountBadge class="unread-badge" count={unread[room] ?? 0} what="unread" />}
        {!dm && (
          <span class="member-count" title={`${online(room)} online`}>
            <span class="sr-only">,</span>
            {online(room)}
            <span class="sr-only">online</span>
          </span>
        )}
      </a>
    </li>
  );

  return (
    <>
      {props.open && <div class="drawer-backdrop" onClick={props.onClose} aria-hidden="true" />}
      <nav class="sidebar" data-open={props.open} aria-label="Rooms" id="rooms-sidebar">
        <div class="sidebar-section">
          <h2 class="sidebar-title">Your rooms</h2>
          <ul class="room-list">{mine.map((room) => roomLink(room, true))}</ul>
          <button type="button" class="link-button sidebar-action" onClick={props.onNewRoom}>
            + New private room
          </button>
        </div>
        <div class="sidebar-section">
          <h2 class="sidebar-title">Direct messages</h2>
          <ul class="room-list room-list-dms">
            {dms.map((room) => roomLink(room, true, true))}
          </ul>
          <button type="button" class="link-button sidebar-action" onClick={props.onMessageSomeone}>
            + Message someone
          </button>
        </div>
        {others.length > 0 && (
          <div class="sidebar-section">
            <h2 class="sidebar-title">More rooms</h2>
            <ul class="room-list room-list-other">
              {others.map((entry) => roomLink(entry.room, false))}
            </ul>
          </div>
        )}
        <CreateRoomForm onCreate={props.onOpenRoom} />
        {props.notifications === "default" && (
          <button
            type="button"
            class="link-button sidebar-action notify-button"
            onClick={props.onAllowNotifications}
          >
            Notify me of mentions
          </button>
        )}
        {props.notifications === "denied" && (
          <p class="field-help sidebar-action">Notifications are blocked in this browser.</p>
        )}
        <div class="sidebar-footer">
          {props.me && (
            <span class="me">
              <Avatar name={props.me.name} guest={isGuest(props.me)} size="sm" />
              <UserName user={props.me} class="me-name" />
            </span>
          )}
          <button type="button" class="icon-button" onClick={props.onDiagnostics}>
            <svg viewBox="0 0 20 20" aria-hidden="true">
              <path d="M2 10h4l2-6 4 12 2-6h4" />
            </svg>
            <span class="sr-only">Connection diagnostics</span>
          </button>
          <button type="button" class="button button-quiet" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </nav>
    </>
  );
}

function CreateRoomForm({ onCreate }: { onCreate(room: string): void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="create-room"
      onSubmit={(event) => {
        event.preventDefault();
        const room = name.trim().toLowerCase();
        if (!isRoomName(room)) return setError(ROOM_NAME_HELP);
        setError(null);
        setName("");
        onCreate(room);
      }}
    >
      <label class="sidebar-title" for="create-room-input">Join or create a public room</label>
      <div class="create-room-row">
        <input
          id="create-room-input"
          class="input"
          placeholder="room-name"
          maxLength={64}
          autoComplete="off"
          spellcheck={false}
          value={name}
          aria-invalid={error !== null}
          aria-describedby="create-room-help"
          onInput={(event) => {
            setName(event.currentTarget.value);
            setError(null);
          }}
        />
        <button type="submit" class="button" disabled={name.trim() === ""}>Go</button>
      </div>
      <p
        id="create-room-help"
        class={error ? "field-error" : "field-help"}
        role={error ? "alert" : undefined}
      >
        {error ?? "a–z, 0–9, - and _, up to 64"}
      </p>
    </form>
  );
}

/** A count in the sidebar (`@3` for mentions), nothing for 0; "99+" past 99. */
function CountBadge(props: { class: string; count: number; what: string }) {
  if (props.count <= 0) return null;
  return (
    <span class={props.class} data-count={props.count}>
      {props.what === "mentions" && <span aria-hidden="true">@</span>}
      {props.count > 99 ? "99+" : props.count}
      <span class="sr-only">{props.what}</span>
    </span>
  );
}

/** A private room's mark: drawn, as no emoji font may be installed. */
function LockIcon() {
  return (
    <svg class="lock-icon" viewBox="0 0 16 16">
      <rect x="3" y="7" width="10" height="7" rx="1.5" />
      <path d="M5.5 7V5a2.5 2.5 0 015 0v2" />
    </svg>
  );
}

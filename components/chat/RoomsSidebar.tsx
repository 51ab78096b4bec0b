import { useState } from "preact/hooks";
import type { RoomSummary } from "../../lib/client/room_directory.ts";
import { isRoomName, ROOM_NAME_HELP } from "../../lib/protocol/names.ts";
import { Avatar } from "./Avatar.tsx";

/** Props of {@linkcode RoomsSidebar}. */
export interface RoomsSidebarProps {
  /** Every room the server knows, with its member count. */
  directory: readonly RoomSummary[];
  /** Rooms you are in, in join order. */
  joined: readonly string[];
  active: string;
  /** Unread messages per joined room. */
  unread: Readonly<Record<string, number>>;
  /** Live member counts of joined rooms (from presence); the directory's otherwise. */
  liveMembers: Readonly<Record<string, number>>;
  userName: string | null;
  /** Shown as a drawer on narrow screens. */
  open: boolean;
  onOpenRoom(room: string): void;
  onClose(): void;
  onSignOut(): void;
  onDiagnostics(): void;
}

function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey &&
    !event.altKey;
}

/** Rooms you are in (with unread badges), other rooms to join, and a form to create one. */
export function RoomsSidebar(props: RoomsSidebarProps) {
  const { directory, joined, active, unread, liveMembers } = props;
  const members = (room: string) =>
    liveMembers[room] ?? directory.find((entry) => entry.name === room)?.members ?? 0;
  const others = directory.filter((entry) => !joined.includes(entry.name));

  const roomLink = (room: string, badge: number | null) => (
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
        <span class="hash" aria-hidden="true">#</span>
        <span class="room-name">{room}</span>
        {badge !== null && badge > 0 && (
          <span class="unread-badge">
            {badge > 99 ? "99+" : badge}
            <span class="sr-only">unread</span>
          </span>
        )}
        <span class="member-count" title={`${members(room)} online`}>
          <span class="sr-only">,</span>
          {members(room)}
          <span class="sr-only">online</span>
        </span>
      </a>
    </li>
  );

  return (
    <>
      {props.open && <div class="drawer-backdrop" onClick={props.onClose} aria-hidden="true" />}
      <nav class="sidebar" data-open={props.open} aria-label="Rooms" id="rooms-sidebar">
        <div class="sidebar-section">
          <h2 class="sidebar-title">Your rooms</h2>
          <ul class="room-list">{joined.map((room) => roomLink(room, unread[room] ?? 0))}</ul>
        </div>
        {others.length > 0 && (
          <div class="sidebar-section">
            <h2 class="sidebar-title">More rooms</h2>
            <ul class="room-list room-list-other">
              {others.map((entry) => roomLink(entry.name, null))}
            </ul>
          </div>
        )}
        <CreateRoomForm onCreate={props.onOpenRoom} />
        <div class="sidebar-footer">
          {props.userName && (
            <span class="me">
              <Avatar name={props.userName} size="sm" />
              <span class="me-name">{props.userName}</span>
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
      <label class="sidebar-title" for="create-room-input">Join or create a room</label>
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

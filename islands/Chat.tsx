import { effect } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { ChatClient } from "../lib/client/client.ts";
import { createRoomDirectory, type RoomSummary } from "../lib/client/room_directory.ts";
import { signOut } from "../lib/client/session.ts";
import { DEFAULT_ROOM } from "../lib/protocol/mod.ts";
import { createSystemClock } from "../lib/time/clock.ts";
import { describeConnection } from "../components/chat/banner.ts";
import { Composer } from "../components/chat/Composer.tsx";
import { ConnectionBanner } from "../components/chat/ConnectionBanner.tsx";
import { DiagnosticsPanel } from "../components/chat/DiagnosticsPanel.tsx";
import { useNow, usePageClient } from "../components/chat/hooks.ts";
import { MessageList } from "../components/chat/MessageList.tsx";
import { PresenceList } from "../components/chat/PresenceList.tsx";
import { RoomsSidebar } from "../components/chat/RoomsSidebar.tsx";
import { TypingIndicator } from "../components/chat/TypingIndicator.tsx";

/** Props of {@linkcode Chat}, from the server. */
export interface ChatProps {
  /** The room directory when the page was rendered. */
  rooms: RoomSummary[];
  /** The room to show first (`?room=`). */
  room: string;
  /** Open the diagnostics panel (`?wsDebug=1`). */
  wsDebug: boolean;
  /** The server's `max_text_chars`, until `hello` says it. */
  maxChars: number;
}

const JOINED_KEY = "switchboard.rooms";
const SEEN_KEY = "switchboard.seen";
const DIRECTORY_REFRESH_MS = 20_000;
const clock = createSystemClock();

function readStored<T>(key: string, fallback: T): T {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "null") ?? fallback;
  } catch {
    return fallback;
  }
}

function newestSeq(client: ChatClient, room: string): number {
  let newest = 0;
  for (const message of client.room(room)?.messages.value ?? []) {
    if (message.seq !== null && message.seq > newest) newest = message.seq;
  }
  return newest;
}

/**
 * The chat: rooms, messages, composer, presence, typing, the connection
 * banner and the diagnostics panel. It renders the page client's signals and
 * calls its methods; the connection logic lives in `lib/client`.
 */
export default function Chat({ rooms, room, wsDebug, maxChars }: ChatProps) {
  const client = usePageClient();
  const [directory] = useState(() =>
    typeof document === "undefined" ? null : createRoomDirectory({ initial: rooms })
  );
  const [active, setActive] = useState(room);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [diagnosticsOpen, setDiagnosticsOpen] = useState(wsDebug);
  /** The newest seq seen per room; messages above it from others are unread. */
  const [seen, setSeen] = useState<Record<string, number>>({});

  useEffect(() => {
    if (!client) return;
    setSeen(readStored(SEEN_KEY, {}));
    const saved: string[] = readStored(JOINED_KEY, []);
    for (const name of new Set([DEFAULT_ROOM, ...saved, room])) {
      try {
        client.join(name);
      } catch {
        // A stored name that is no longer valid is skipped.
      }
    }
    const stopWatching = effect(() => {
      localStorage.setItem(JOINED_KEY, JSON.stringify(client.rooms.value));
      if (client.signedOut.value) location.replace("/login");
    });
    void directory?.refresh();
    const refresher = clock.setInterval(() => void directory?.refresh(), DIRECTORY_REFRESH_MS);
    return () => {
      stopWatching();
      clock.clearInterval(refresher);
    };
  }, [client]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey && event.shiftKey && event.code === "KeyW") {
        event.preventDefault();
        setDiagnosticsOpen((open) => !open);
      } else if (event.key === "Escape") {
        setDrawerOpen(false);
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const url = new URL(location.href);
    if (url.searchParams.get("room") === active) return;
    url.searchParams.set("room", active);
    history.replaceState(null, "", url);
  }, [active]);

  const joined = client?.rooms.value ?? [...new Set([DEFAULT_ROOM, room])];
  const view = client?.room(active);
  const me = client?.user.value ?? null;

  // The baseline of a room is what it held when it first synced: history is not "unread".
  const unread: Record<string, number> = {};
  const liveMembers: Record<string, number> = {};
  const seenNow: Record<string, number> = { ...seen };
  for (const name of joined) {
    const roomView = client?.room(name);
    if (!client || !roomView?.synced.value) continue;
    liveMembers[name] = roomView.presence.value.length;
    const newest = newestSeq(client, name);
    if (name === active || seenNow[name] === undefined) seenNow[name] = newest;
    const since = seenNow[name];
    unread[name] = roomView.messages.value.filter((message) =>
      !message.own && message.seq !== null && message.seq > since
    ).length;
  }
  const seenChanged = Object.keys(seenNow).some((name) => seenNow[name] !== seen[name]);
  useEffect(() => {
    if (!seenChanged) return;
    setSeen(seenNow);
    localStorage.setItem(SEEN_KEY, JSON.stringify(seenNow));
  });
  const totalUnread = Object.values(unread).reduce((sum, count) => sum + count, 0);
  useEffect(() => {
    document.title = totalUnread > 0
      ? `(${totalUnread}) #${active} · Switchboard`
      : `#${active} · Switchboard`;
  }, [totalUnread, active]);

  const snapshot = {
    state: client?.state.value ?? "idle",
    online: client?.online.value ?? true,
    nextRetryAt: client?.nextRetryAt.value ?? null,
    attempt: client?.attempt.value ?? 0,
    transport: client?.transport.value ?? "websocket",
    lastError: client?.lastError.value ?? null,
    outboxSize: client?.outboxSize.value ?? 0,
  };
  const now = useNow(snapshot.nextRetryAt !== null || diagnosticsOpen);
  const banner = describeConnection(snapshot, now);

  const openRoom = (name: string) => {
    try {
      client?.join(name);
    } catch {
      return;
    }
    setActive(name);
    setDrawerOpen(false);
    void directory?.refresh();
  };

  const leaveRoom = () => {
    if (!client || active === DEFAULT_ROOM) return;
    client.leave(active);
    setActive(DEFAULT_ROOM);
    void directory?.refresh();
  };

  const typingNames = (view?.typing.value ?? [])
    .filter((user) => user.id !== me?.id)
    .map((user) => user.name);
  const presence = view?.presence.value ?? [];

  return (
    <div class="chat-app" data-state={snapshot.state} data-transport={snapshot.transport}>
      <RoomsSidebar
        directory={directory?.rooms.value ?? rooms}
        joined={joined}
        active={active}
        unread={unread}
        liveMembers={liveMembers}
        userName={me?.name ?? null}
        open={drawerOpen}
        onOpenRoom={openRoom}
        onClose={() => setDrawerOpen(false)}
        onSignOut={async () => {
          await signOut();
          client?.disconnect();
          location.assign("/login");
        }}
        onDiagnostics={() => setDiagnosticsOpen((open) => !open)}
      />
      <section class="chat-pane" aria-labelledby="room-title">
        <header class="room-header">
          <button
            type="button"
            class="icon-button rooms-toggle"
            aria-controls="rooms-sidebar"
            aria-expanded={drawerOpen}
            onClick={() => setDrawerOpen(!drawerOpen)}
          >
            <svg viewBox="0 0 20 20" aria-hidden="true">
              <path d="M3 5h14M3 10h14M3 15h14" />
            </svg>
            <span class="sr-only">Rooms</span>
            {totalUnread > 0 && <span class="toggle-dot" aria-hidden="true" />}
          </button>
          <h1 class="room-title" id="room-title">
            <span class="hash" aria-hidden="true">#</span>
            {active}
          </h1>
          {view?.synced.value && <span class="room-sub">{presence.length} online</span>}
          <div class="room-actions">
            {active !== DEFAULT_ROOM && (
              <button type="button" class="button button-quiet" onClick={leaveRoom}>
                Leave
              </button>
            )}
          </div>
        </header>
        <ConnectionBanner
          banner={banner}
          onAction={(action) => action === "retry" ? client?.reconnectNow() : client?.connect()}
        />
        <MessageList
          key={active}
          room={active}
          messages={view?.messages.value ?? []}
          synced={view?.synced.value ?? false}
          hasOlder={view?.hasOlder.value ?? false}
          loadingOlder={view?.loadingOlder.value ?? false}
          now={now}
          onLoadOlder={() => client?.loadOlder(active)}
          onRetry={(cid) => client?.retry(cid)}
          onDiscard={(cid) => client?.discard(cid)}
        />
        <TypingIndicator names={typingNames} />
        <Composer
          key={active}
          room={active}
          maxChars={client?.limits.value?.max_text_chars ?? maxChars}
          onSend={(text) => {
            if (!client) return "Still starting up; try again in a moment.";
            try {
              client.send(active, text.replace(/\s+$/, ""));
              return null;
            } catch (error) {
              return (error as Error).message;
            }
          }}
          onTyping={() => client?.typing(active)}
        />
      </section>
      <PresenceList users={presence} meId={me?.id ?? null} loaded={view?.synced.value ?? false} />
      {diagnosticsOpen && client && (
        <DiagnosticsPanel
          client={client}
          now={now}
          onClose={() => setDiagnosticsOpen(false)}
        />
      )}
    </div>
  );
}

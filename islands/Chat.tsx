import { effect } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { type ChatRooms, createChatRooms } from "../lib/client/chat_rooms.ts";
import { createRoomDirectory, type RoomSummary } from "../lib/client/room_directory.ts";
import { signOut } from "../lib/client/session.ts";
import { DEFAULT_ROOM } from "../lib/protocol/names.ts";
import { createSystemClock } from "../lib/time/clock.ts";
import { describeConnection } from "../components/chat/banner.ts";
import { countLabel } from "../components/chat/format.ts";
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

const DIRECTORY_REFRESH_MS = 20_000;
const clock = createSystemClock();

/**
 * The chat: rooms, messages, composer, presence, typing, the connection
 * banner and the diagnostics panel. It renders the signals of the page client
 * and of its rooms (`lib/client/chat_rooms.ts`: joined, open, unread) and
 * calls their methods; the logic lives in `lib/client`.
 */
export default function Chat({ rooms, room, wsDebug, maxChars }: ChatProps) {
  const client = usePageClient();
  const [directory] = useState(() =>
    typeof document === "undefined" ? null : createRoomDirectory({ initial: rooms })
  );
  const [chatRooms, setChatRooms] = useState<ChatRooms | null>(null);
  const [drawerOpen, setDrawerOpen] = useState(false);
  // On narrower screens the presence list is a drawer too, opened from the room header.
  const [presenceOpen, setPresenceOpen] = useState(false);
  const [diagnosticsOpen, setDiagnosticsOpen] = useState(wsDebug);

  useEffect(() => {
    if (!client) return;
    const created = createChatRooms({ client, initial: room, storage: localStorage });
    setChatRooms(created);
    const stopWatching = effect(() => {
      if (client.signedOut.value) location.replace("/login");
    });
    void directory?.refresh();
    const refresher = clock.setInterval(() => void directory?.refresh(), DIRECTORY_REFRESH_MS);
    return () => {
      created.dispose();
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
        setPresenceOpen(false);
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const active = chatRooms?.active.value ?? room;
  const joined = client?.rooms.value ?? [...new Set([DEFAULT_ROOM, room])];
  const view = client?.room(active);
  const me = client?.user.value ?? null;
  const totalUnread = chatRooms?.totalUnread.value ?? 0;

  useEffect(() => {
    const url = new URL(location.href);
    if (url.searchParams.get("room") === active) return;
    url.searchParams.set("room", active);
    history.replaceState(null, "", url);
  }, [active]);

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
    if (!chatRooms?.open(name)) return;
    setDrawerOpen(false);
    void directory?.refresh();
  };

  const leaveRoom = () => {
    if (chatRooms?.leave()) void directory?.refresh();
  };

  const typingNames = (view?.typing.value ?? [])
    .filter((user) => user.id !== me?.id)
    .map((user) => user.name);
  const members = view?.members;
  const online = countLabel(view?.online.value ?? 0);

  return (
    <div class="chat-app" data-state={snapshot.state} data-transport={snapshot.transport}>
      <RoomsSidebar
        directory={directory?.rooms.value ?? rooms}
        joined={joined}
        active={active}
        unread={chatRooms?.unread.value ?? {}}
        liveMembers={chatRooms?.members.value ?? {}}
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
            onClick={() => {
              setPresenceOpen(false);
              setDrawerOpen(!drawerOpen);
            }}
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
          {view?.synced.value && <span class="room-sub">{online} online</span>}
          <div class="room-actions">
            <button
              type="button"
              class="button button-quiet presence-toggle"
              aria-controls="presence-panel"
              aria-expanded={presenceOpen}
              onClick={() => {
                setDrawerOpen(false);
                setPresenceOpen(!presenceOpen);
              }}
            >
              <svg viewBox="0 0 20 20" aria-hidden="true">
                <circle cx="8" cy="7" r="3" />
                <path d="M2.5 17c.6-3 2.8-4.5 5.5-4.5s4.9 1.5 5.5 4.5M13 4.5a3 3 0 010 5.5M15 12.8c1.4.6 2.3 2 2.6 4.2" />
              </svg>
              {view?.synced.value ? `${online} online` : "People"}
              <span class="sr-only">: show who is in #{active}</span>
            </button>
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
        <TypingIndicator names={typingNames} more={view?.typingMore.value ?? 0} />
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
      <PresenceList
        key={active}
        users={members?.users.value ?? []}
        online={view?.online.value ?? 0}
        query={members?.query.value ?? ""}
        hasMore={members?.hasMore.value ?? false}
        loading={members?.loading.value ?? false}
        meId={me?.id ?? null}
        loaded={view?.synced.value ?? false}
        open={presenceOpen}
        onClose={() => setPresenceOpen(false)}
        onSearch={(query) => members?.search(query)}
        onMore={() => members?.more()}
      />
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

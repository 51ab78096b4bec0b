import { effect } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { type ChatRooms, createChatRooms } from "../lib/client/chat_rooms.ts";
import type { RoomMessage } from "../lib/client/client.ts";
import { createDrafts } from "../lib/client/drafts.ts";
import { createMentionNotices, type MentionNotices } from "../lib/client/mention_notices.ts";
import { findPeople } from "../lib/client/people.ts";
import { createRoomDirectory, type RoomSummary } from "../lib/client/room_directory.ts";
import { signOut } from "../lib/client/session.ts";
import type { PublicUser, RoomMemberEntry } from "../lib/protocol/frames.ts";
import { DEFAULT_ROOM, isDmRoom } from "../lib/protocol/names.ts";
import { createSystemClock } from "../lib/time/clock.ts";
import { describeConnection } from "../components/chat/banner.ts";
import { countLabel } from "../components/chat/format.ts";
import { Composer } from "../components/chat/Composer.tsx";
import { ConnectionBanner } from "../components/chat/ConnectionBanner.tsx";
import { useNow, usePageClient } from "../components/chat/hooks.ts";
import { lazyComponent } from "../components/chat/lazy.tsx";
import { MemberList } from "../components/chat/MemberList.tsx";
import { MessageList } from "../components/chat/MessageList.tsx";
import { PresenceList } from "../components/chat/PresenceList.tsx";
import { RoomsSidebar } from "../components/chat/RoomsSidebar.tsx";
import { TypingIndicator } from "../components/chat/TypingIndicator.tsx";
import { nameInWords } from "../components/chat/UserName.tsx";

/** Props of {@linkcode Chat}, from the server. */
export interface ChatProps {
  /** The public rooms when the page was rendered. */
  rooms: RoomSummary[];
  /** The room to show first (`?room=`). */
  room: string;
  /** Open the diagnostics panel (`?wsDebug=1`). */
  wsDebug: boolean;
  /** The server's `max_text_chars`, until `hello` says it. */
  maxChars: number;
}

// What is only shown after a click (or `?wsDebug=1`) is fetched then, in chunks of its own.
const NewRoomDialog = lazyComponent(() =>
  import("../components/chat/RoomDialogs.tsx").then((module) => module.NewRoomDialog)
);
const PeopleDialog = lazyComponent(() =>
  import("../components/chat/RoomDialogs.tsx").then((module) => module.PeopleDialog)
);
const SearchDialog = lazyComponent(() =>
  import("../components/chat/SearchDialog.tsx").then((module) => module.SearchDialog)
);
const DiagnosticsPanel = lazyComponent(() =>
  import("../components/chat/DiagnosticsPanel.tsx").then((module) => module.DiagnosticsPanel)
);

/** The dialogs the chat opens over itself. */
type DialogName = "new-room" | "dm" | "invite" | "search";

const DIRECTORY_REFRESH_MS = 20_000;
const clock = createSystemClock();

/** An error's words, for a dialog or the member list. */
const failure = (error: unknown) => (error as Error).message;

/**
 * The chat: rooms and direct messages, messages, composer, presence and
 * members, typing, invitations, the dialogs that make rooms and direct
 * messages and invite people, the connection banner and the diagnostics
 * panel. It renders the signals of the page client and of its rooms
 * (`lib/client/chat_rooms.ts`: yours, open, unread) and calls their methods;
 * the logic lives in `lib/client`.
 */
export default function Chat({ rooms, room, wsDebug, maxChars }: ChatProps) {
  const client = usePageClient();
  const [directory, setDirectory] = useState<ReturnType<typeof createRoomDirectory> | null>(null);
  const [chatRooms, setChatRooms] = useState<ChatRooms | null>(null);
  const [notices, setNotices] = useState<MentionNotices | null>(null);
  const [drafts] = useState(() =>
    typeof document === "undefined" ? null : createDrafts({ storage: localStorage })
  );
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [replyTo, setReplyTo] = useState<RoomMessage | null>(null);
  const [editingSeq, setEditingSeq] = useState<number | null>(null);
  // On narrower screens the presence list is a drawer too, opened from the room header.
  const [presenceOpen, setPresenceOpen] = useState(false);
  const [diagnosticsOpen, setDiagnosticsOpen] = useState(wsDebug);
  const [dialog, setDialog] = useState<DialogName | null>(null);
  const [members, setMembers] = useState<readonly RoomMemberEntry[] | null>(null);
  const [memberError, setMemberError] = useState<string | null>(null);

  useEffect(() => {
    if (!client) return;
    const roomDirectory = createRoomDirectory({ initial: rooms, token: client.accessToken });
    const created = createChatRooms({
      client,
      directory: roomDirectory,
      initial: room,
      storage: localStorage,
    });
    const mentionNotices = createMentionNotices({
      client,
      roomLabel: (name) => isDmRoom(name) ? "a direct message" : `#${name}`,
      onOpen: (name, seq) => void created.openMessage(name, seq),
    });
    setDirectory(roomDirectory);
    setChatRooms(created);
    setNotices(mentionNotices);
    const stopWatching = effect(() => {
      if (client.signedOut.value) location.replace("/login");
    });
    void roomDirectory.refresh();
    const refresher = clock.setInterval(() => void roomDirectory.refresh(), DIRECTORY_REFRESH_MS);
    return () => {
      created.dispose();
      mentionNotices.dispose();
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
  const view = client?.room(active);
  const me = client?.user.value ?? null;
  const about = view?.about.value ?? null;
  const totalUnread = chatRooms?.totalUnread.value ?? 0;
  const listed = directory?.rooms.value ?? rooms;
  const synced = view?.synced.value ?? false;
  const focus = chatRooms?.focus.value ?? null;

  /** A direct message is named after the other people in it. */
  const dmLabel = (name: string) => {
    const people = client?.room(name)?.about.value?.people ??
      listed.find((entry) => entry.room === name)?.people ?? [];
    const others = people.filter((person) => person.id !== me?.id);
    return others.length > 0 ? others.map(nameInWords).join(", ") : "Direct message";
  };
  const title = isDmRoom(active) ? dmLabel(active) : active;
  /** The room in running text: "#general", or the people of a direct message. */
  const label = isDmRoom(active) ? title : `#${active}`;

  const loadMembers = async () => {
    if (!client || !synced) return;
    try {
      setMembers(await client.listMembers(active));
      setMemberError(null);
    } catch (error) {
      setMemberError(failure(error));
    }
  };

  useEffect(() => {
    setMembers(null);
    void loadMembers();
  }, [active, synced]);
  // Someone online who is not listed became a member since: read the list again, once.
  const newcomer = members !== null &&
    (view?.presence.value ?? []).find((user) => !members.some((m) => m.user.id === user.id));
  useEffect(() => {
    if (newcomer) void loadMembers();
  }, [newcomer && newcomer.id]);

  useEffect(() => {
    const url = new URL(location.href);
    if (url.searchParams.get("room") === active) return;
    url.searchParams.set("room", active);
    history.replaceState(null, "", url);
  }, [active]);

  useEffect(() => {
    document.title = totalUnread > 0
      ? `(${totalUnread}) ${label} · Switchboard`
      : `${label} · Switchboard`;
  }, [totalUnread, label]);

  const snapshot = {
    state: client?.state.value ?? "idle",
    online: client?.online.value ?? true,
    nextRetryAt: client?.nextRetryAt.value ?? null,
    attempt: client?.attempt.value ?? 0,
    transport: client?.transport.value ?? "websocket",
    lastError: client?.lastError.value ?? null,
    outboxSize: client?.outboxSize.value ?? 0,
    sendTrouble: client?.sendTrouble.value ?? null,
  };
  const now = useNow(snapshot.nextRetryAt !== null || diagnosticsOpen);
  const banner = describeConnection(snapshot, now);

  const openRoom = (name: string) => {
    if (!chatRooms?.open(name)) return;
    setDrawerOpen(false);
    void directory?.refresh();
  };

  /** Runs a change to the room's members, then reads them again. */
  const changeMembers = async (change: () => Promise<void>) => {
    try {
      await change();
      await loadMembers();
    } catch (error) {
      setMemberError(failure(error));
    }
  };

  const find = (prefix: string) =>
    findPeople(prefix, { token: () => client?.accessToken() ?? Promise.reject() });
  const names = (people: readonly PublicUser[]) => people.map((person) => person.name);

  const typingNames = (view?.typing.value ?? [])
    .filter((user) => user.id !== me?.id)
    .map(nameInWords);
  const onlineList = view?.members;
  const online = countLabel(view?.online.value ?? 0);
  const privateRooms = new Set(
    listed.filter((entry) => entry.visibility === "private").map((entry) => entry.room),
  );
  if (about?.visibility === "private") privateRooms.add(active);
  const invitations = client?.invitations.value ?? [];

  return (
    <div class="chat-app" data-state={snapshot.state} data-transport={snapshot.transport}>
      <RoomsSidebar
        directory={listed}
        mine={chatRooms?.mine.value ?? [...new Set([DEFAULT_ROOM, room])]}
        dms={chatRooms?.dms.value ?? []}
        active={active}
        unread={chatRooms?.unread.value ?? {}}
        mentions={chatRooms?.mentions.value ?? {}}
        liveMembers={chatRooms?.members.value ?? {}}
        privateRooms={privateRooms}
        dmLabel={dmLabel}
        me={me}
        open={drawerOpen}
        onOpenRoom={openRoom}
        onNewRoom={() => setDialog("new-room")}
        onMessageSomeone={() => setDialog("dm")}
        onClose={() => setDrawerOpen(false)}
        onSignOut={async () => {
          await signOut();
          client?.disconnect();
          location.assign("/login");
        }}
        onDiagnostics={() => setDiagnosticsOpen((open) => !open)}
        notifications={notices?.permission.value ?? "unsupported"}
        onAllowNotifications={() => void notices?.request()}
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
            <span class="hash" aria-hidden="true">
              {isDmRoom(active) ? "@" : privateRooms.has(active) ? "🔒" : "#"}
            </span>
            {title}
          </h1>
          {synced && <span class="room-sub">{online} online</span>}
          <div class="room-actions">
            <button
              type="button"
              class="button button-quiet search-toggle"
              onClick={() => setDialog("search")}
            >
              <svg viewBox="0 0 20 20" aria-hidden="true">
                <circle cx="8.5" cy="8.5" r="5" />
                <path d="M12.5 12.5L17 17" />
              </svg>
              Search
            </button>
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
              {synced ? `${online} online` : "People"}
              <span class="sr-only">: show who is in {label}</span>
            </button>
            {synced && about?.visibility === "private" && (
              <button
                type="button"
                class="button button-quiet"
                onClick={() => setDialog("invite")}
              >
                Invite
              </button>
            )}
            {active !== DEFAULT_ROOM && (
              <button
                type="button"
                class="button button-quiet"
                onClick={() => chatRooms?.leave() && void directory?.refresh()}
              >
                Leave
              </button>
            )}
          </div>
        </header>
        <ConnectionBanner
          banner={banner}
          onAction={(action) => action === "retry" ? client?.reconnectNow() : client?.connect()}
        />
        {invitations.map((invitation) => (
          <div class="invitation" role="status" key={invitation.room}>
            <span>
              {nameInWords(invitation.by)} invited you to <strong>#{invitation.room}</strong>
            </span>
            <button
              type="button"
              class="button"
              onClick={() =>
                openRoom(invitation.room)}
            >
              Join
            </button>
            <button
              type="button"
              class="button button-quiet"
              onClick={() =>
                client?.dismissInvitation(invitation.room)}
            >
              Dismiss
            </button>
          </div>
        ))}
        <MessageList
          key={active}
          room={label}
          messages={view?.messages.value ?? []}
          synced={synced}
          hasOlder={view?.hasOlder.value ?? false}
          loadingOlder={view?.loadingOlder.value ?? false}
          now={now}
          onLoadOlder={() => client?.loadOlder(active)}
          onRetry={(cid) => client?.retry(cid)}
          onDiscard={(cid) => client?.discard(cid)}
          handlers={client
            ? {
              meId: me?.id ?? null,
              moderates: me?.role === "admin" || about?.role === "owner" ||
                about?.role === "moderator",
              onReact: (seq, emoji, on) =>
                void client.react(active, seq, emoji, on).catch(() => {}),
              onReply: setReplyTo,
              onEdit: (seq, text) => client.edit(active, seq, text).then(() => null, failure),
              onDelete: (seq) => client.deleteMessage(active, seq).then(() => null, failure),
            }
            : undefined}
          readSeq={view?.readSeq.value ?? 0}
          onSeenEnd={(seq) => client?.markRead(active, seq)}
          focusSeq={focus?.room === active ? focus.seq : null}
          onFocused={() => chatRooms?.focused()}
          editingSeq={editingSeq}
          onEditing={setEditingSeq}
        />
        <TypingIndicator names={typingNames} more={view?.typingMore.value ?? 0} />
        <Composer
          key={active}
          room={label}
          maxChars={client?.limits.value?.max_text_chars ?? maxChars}
          draft={drafts?.get(active) ?? ""}
          onDraft={(text) => drafts?.set(active, text)}
          replyingTo={replyTo?.user?.name ?? (replyTo ? "you" : null)}
          onCancelReply={() => setReplyTo(null)}
          onEditLast={() => {
            const last = view?.messages.value.findLast((m) =>
              m.own && m.seq !== null && !m.deleted
            );
            if (!last) return false;
            setEditingSeq(last.seq);
            return true;
          }}
          onSend={(text) => {
            if (!client) return "Still starting up; try again in a moment.";
            try {
              if (replyTo?.seq != null) {
                client.reply(active, replyTo.seq, text.replace(/\s+$/, "")).catch(() => {});
                setReplyTo(null);
                return null;
              }
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
        users={onlineList?.users.value ?? []}
        online={view?.online.value ?? 0}
        query={onlineList?.query.value ?? ""}
        hasMore={onlineList?.hasMore.value ?? false}
        loading={onlineList?.loading.value ?? false}
        meId={me?.id ?? null}
        loaded={synced}
        open={presenceOpen}
        onClose={() => setPresenceOpen(false)}
        onSearch={(query) => onlineList?.search(query)}
        onMore={() => onlineList?.more()}
      >
        <h2 class="sidebar-title members-title">
          Members{members && <span class="count">{members.length}</span>}
        </h2>
        <MemberList
          members={members}
          meId={me?.id ?? null}
          myRole={about?.role ?? null}
          admin={me?.role === "admin"}
          fixed={about?.visibility === "dm"}
          error={memberError}
          onRole={(user, role) => changeMembers(() => client!.setRole(active, user.name, role))}
          onRemove={(user) => changeMembers(() => client!.removeMember(active, user.name))}
        />
      </PresenceList>
      {dialog === "new-room" && (
        <NewRoomDialog
          onClose={() => setDialog(null)}
          onCreate={async (name) => {
            try {
              openRoom(await client!.createRoom(name, "private"));
              return null;
            } catch (error) {
              return failure(error);
            }
          }}
        />
      )}
      {dialog === "search" && client && (
        <SearchDialog
          search={(q) => client.search(q)}
          roomLabel={(name) => isDmRoom(name) ? dmLabel(name) : `#${name}`}
          nameOf={nameInWords}
          onClose={() => setDialog(null)}
          onOpen={async (name, seq) => {
            setDrawerOpen(false);
            return await chatRooms?.openMessage(name, seq)
              ? null
              : "This message is too far back in its room to show here.";
          }}
        />
      )}
      {dialog === "dm" && (
        <PeopleDialog
          title="Message someone"
          intro="Pick up to 8 people; only you and they will see the conversation."
          action="Open conversation"
          max={8}
          find={find}
          onClose={() => setDialog(null)}
          onSubmit={async (people) => {
            try {
              openRoom(await client!.openDm(names(people)));
              return null;
            } catch (error) {
              return failure(error);
            }
          }}
        />
      )}
      {dialog === "invite" && (
        <PeopleDialog
          title={`Invite to ${label}`}
          intro="They will be told, and may join from then on."
          action="Invite"
          max={1}
          find={find}
          onClose={() => setDialog(null)}
          onSubmit={async ([person]) => {
            try {
              await client!.invite(active, person.name);
              await loadMembers();
              return null;
            } catch (error) {
              return failure(error);
            }
          }}
        />
      )}
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

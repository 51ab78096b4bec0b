/**
 * The joined rooms as a UI sees them: one {@linkcode RoomView} per room, whose
 * `messages` merge the room's committed messages with your own sends still in
 * the outbox, plus what the client tracks per room while connected (joined
 * yet, when you last said you were typing). Whether an older page is loading
 * is computed from the client's pending requests.
 *
 * @example
 * ```ts
 * const rooms = createRoomViews({ clock, typingTtlMs: 6_000, user, outbox, pending });
 * rooms.add("general");
 * rooms.markJoined("general");
 * rooms.view("general")?.messages.value; // committed, then pending sends
 * ```
 */
import { computed, type ReadonlySignal, type Signal, signal } from "@preact/signals";
import type { PublicUser, SessionUser } from "../protocol/mod.ts";
import { foldEntries, isTextEntry } from "../protocol/fold.ts";
import type { Clock } from "../time/clock.ts";
import {
  createMemberList,
  type MemberList,
  type MemberListView,
  type MembersQuery,
} from "./member_list.ts";
import type { Outbox } from "./outbox.ts";
import type { PendingRequests } from "./pending_requests.ts";
import { createRoomState, type RoomAbout, type RoomState } from "./room_state.ts";

const TYPING_THROTTLE_MS = 3_000;

/** A message as a room shows it: committed (`sent`) or from the outbox. */
export interface RoomMessage {
  /** Null until the server acked it. */
  seq: number | null;
  cid: string;
  /** Null for your own pending sends before `hello` said who you are. */
  user: PublicUser | null;
  text: string;
  ts: number;
  status: "pending" | "sent" | "failed";
  /** Why a `failed` message failed. */
  error: string | null;
  own: boolean;
  /** Second edition, as the room's log leaves the message: when it was last edited. */
  editedAt?: number;
  /** It was deleted: `text` is empty. */
  deleted?: boolean;
  /** Who reacted with each emoji, by user id. */
  reactions?: Readonly<Record<string, readonly string[]>>;
  /** The seq of the message it answers. */
  replyTo?: number;
  /** The ids of the members it mentions. */
  mentions?: readonly string[];
}

/** The signals of one joined room. */
export interface RoomView {
  readonly name: string;
  /** True once the room's first `joined` arrived: from then on `messages` is the room as it is. */
  readonly synced: ReadonlySignal<boolean>;
  /** Committed messages by seq, then your pending and failed sends in send order. */
  readonly messages: ReadonlySignal<readonly RoomMessage[]>;
  readonly presence: ReadonlySignal<readonly PublicUser[]>;
  /** How many people are online (the server's count in a big room). */
  readonly online: ReadonlySignal<number>;
  /** Who is in the room, searchable and, in a big room, read in pages. */
  readonly members: MemberListView;
  readonly typing: ReadonlySignal<readonly PublicUser[]>;
  /** How many more are typing than `typing` names. */
  readonly typingMore: ReadonlySignal<number>;
  readonly hasOlder: ReadonlySignal<boolean>;
  readonly loadingOlder: ReadonlySignal<boolean>;
  /** Who may see the room, your part in it, a direct message's people (from `joined`). */
  readonly about: ReadonlySignal<RoomAbout | null>;
  /** How far this account has read the room, on any device (0: nothing yet). */
  readonly readSeq: ReadonlySignal<number>;
}

/** Options of {@linkcode createRoomViews}. */
export interface RoomViewsOptions {
  clock: Clock;
  /** How long "X is typing" shows. */
  typingTtlMs: number;
  /** Who you are, to tell your own messages. */
  user: ReadonlySignal<SessionUser | null>;
  /** Your sends, shown in their room until committed. */
  outbox: Outbox;
  /** The client's requests waiting for replies: an `older` one means its room is loading. */
  pending: PendingRequests;
  /** Sends a `members` request for the room's member list; false if it could not go out. */
  requestMembers(room: string, asked: MembersQuery): boolean;
}

/** The joined rooms and what the client tracks of each. */
export interface RoomViews {
  /** The joined rooms' names, in join order. */
  readonly names: ReadonlySignal<readonly string[]>;
  view(name: string): RoomView | undefined;
  state(name: string): RoomState | undefined;
  memberList(name: string): MemberList | undefined;
  /** Adds an empty room; adding a room twice changes nothing. */
  add(name: string): void;
  /** Drops a room and stops its timers; false when it was not there. */
  remove(name: string): boolean;
  /** The room's `joined` arrived on this connection. */
  markJoined(name: string): void;
  /** The room's `left` arrived. */
  markLeft(name: string): void;
  isJoined(name: string): boolean;
  /** The connection ended: no room is joined. */
  forgetConnection(): void;
  /** Whether telling the joined room you are typing is due: at most every 3 s. */
  typingDue(name: string): boolean;
  typingSent(name: string): void;
  /** Stops every room's timers. */
  dispose(): void;
}

interface Room {
  state: RoomState;
  members: MemberList;
  view: RoomView;
  synced: Signal<boolean>;
}

/**
 * Creates empty {@linkcode RoomViews}.
 *
 * @example
 * ```ts
 * const rooms = createRoomViews({ clock, typingTtlMs: 6_000, user, outbox, pending });
 * ```
 */
export function createRoomViews(options: RoomViewsOptions): RoomViews {
  const { clock, typingTtlMs, user, outbox, pending, requestMembers } = options;
  const names = signal<readonly string[]>([]);
  const byName = new Map<string, Room>();
  const joined = new Set<string>();
  const lastTypingSent = new Map<string, number>();

  function roomMessages(state: RoomState): RoomMessage[] {
    const me = user.value;
    // Edits, deletes and reactions are entries of the log: shown folded into the messages they change.
    const texts = foldEntries(state.messages.value).filter(isTextEntry);
    const shown: RoomMessage[] = texts.map((message) => ({
      seq: message.seq,
      cid: message.cid,
      user: message.user,
      text: message.text ?? "",
      ts: message.ts,
      status: "sent",
      error: null,
      own: message.user.id === me?.id,
      ...(message.edited_at === undefined ? {} : { editedAt: message.edited_at }),
      ...(message.deleted ? { deleted: true } : {}),
      ...(message.reactions ? { reactions: message.reactions } : {}),
      ...(message.reply_to === undefined ? {} : { replyTo: message.reply_to }),
      ...(message.mentions ? { mentions: message.mentions } : {}),
    }));
    const committedOwn = new Set(shown.filter((message) => message.own).map((m) => m.cid));
    for (const entry of outbox.entries.value) {
      if (entry.room !== state.name || committedOwn.has(entry.cid)) continue;
      shown.push({
        seq: null,
        cid: entry.cid,
        user: me && { id: me.id, name: me.name, role: me.role },
        text: entry.text,
        ts: entry.createdAt,
        status: entry.status,
        error: entry.error,
        own: true,
      });
    }
    return shown;
  }

  return {
    names,
    view: (name) => byName.get(name)?.view,
    state: (name) => byName.get(name)?.state,
    memberList: (name) => byName.get(name)?.members,
    add(name) {
      if (byName.has(name)) return;
      const state = createRoomState(name, { clock, typingTtlMs });
      const synced = signal(false);
      const members = createMemberList({
        presence: state.presence,
        complete: state.presenceComplete,
        online: state.online,
        request: (asked) => requestMembers(name, asked),
      });
      const view: RoomView = {
        name,
        synced,
        messages: computed(() => roomMessages(state)),
        presence: state.presence,
        online: state.online,
        members,
        typing: state.typing,
        typingMore: state.typingMore,
        hasOlder: state.hasOlder,
        about: state.about,
        readSeq: state.readSeq,
        loadingOlder: computed(() =>
          pending.has((request) => request.kind === "older" && request.room === name)
        ),
      };
      byName.set(name, { state, members, view, synced });
      names.value = [...names.peek(), name];
    },
    remove(name) {
      const room = byName.get(name);
      if (!room) return false;
      room.state.dispose();
      byName.delete(name);
      joined.delete(name);
      names.value = names.peek().filter((other) => other !== name);
      return true;
    },
    markJoined(name) {
      joined.add(name);
      byName.get(name)!.synced.value = true;
    },
    markLeft: (name) => void joined.delete(name),
    isJoined: (name) => joined.has(name),
    forgetConnection() {
      joined.clear();
      for (const room of byName.values()) room.members.connectionLost();
    },
    typingDue(name) {
      const last = lastTypingSent.get(name);
      return joined.has(name) && (last === undefined || clock.now() - last >= TYPING_THROTTLE_MS);
    },
    typingSent: (name) => void lastTypingSent.set(name, clock.now()),
    dispose() {
      for (const room of byName.values()) room.state.dispose();
    },
  };
}

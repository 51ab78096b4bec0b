/**
 * The rooms of the chat page as its sidebar and title show them: the rooms you
 * belong to (kept on the server, so the same on every device: the directory's
 * joined rooms, `general` always among them), the one open, the unread
 * messages and the mentions of you in each, and how many people are online
 * in each. The chat island renders these signals and calls `open`,
 * `openMessage` and `leave`.
 *
 * Every room you belong to is joined on this connection too, so its counts
 * are live: those the directory lists, and those the server says you joined on
 * another device (`membership`), after which the directory is read again.
 * Rooms a browser remembered in `localStorage` before membership moved to the
 * server are joined once (which makes you a member), and the list is dropped.
 *
 * Unread counts follow the account's read position, which the server keeps
 * and echoes to every device (`read`), so two devices show the same counts: a
 * message is unread when someone else sent it after the position, and a
 * mention when it also names you. While a joined room holds every message
 * after its position the count is exact and live (`message` frames raise it,
 * `read` frames from any device lower it); until the room has synced, or when
 * more is unread than it holds, the directory's counts (`GET /api/rooms`
 * `unread` and `mentions`) stand in.
 *
 * @example
 * ```ts
 * const rooms = createChatRooms({ client, directory, initial: "general", storage: localStorage });
 * rooms.open("random");
 * effect(() => (document.title = `(${rooms.totalUnread.value}) #${rooms.active.value}`));
 * ```
 */
import { computed, effect, type ReadonlySignal, signal } from "@preact/signals";
import { array, type Check, string } from "../protocol/check.ts";
import { DEFAULT_ROOM, isDmRoom, isRoomName } from "../protocol/names.ts";
import type { ChatClient, RoomView } from "./client.ts";
import type { RoomDirectory, RoomSummary } from "./room_directory.ts";

/** Where a browser kept its joined rooms before membership moved to the server. */
export const JOINED_ROOMS_KEY = "switchboard.rooms";
/** Counts per joined room, by name. */
export type RoomCounts = Readonly<Record<string, number>>;

/** Options of {@linkcode createChatRooms}. */
export interface ChatRoomsOptions {
  client: Pick<
    ChatClient,
    "rooms" | "room" | "join" | "leave" | "onMembership" | "reveal" | "user"
  >;
  /** The rooms as the server lists them for you (read again when a membership changes). */
  directory: Pick<RoomDirectory, "rooms" | "refresh">;
  /** The room to open first (the page's `?room=`); it is joined too. */
  initial: string;
  /** Held the old joined rooms (read once and dropped); null for none. */
  storage: Storage | null;
}

/** The chat page's rooms. */
export interface ChatRooms {
  /** The open room. */
  readonly active: ReadonlySignal<string>;
  /** The rooms you belong to, but direct messages: joined here first, then the others. */
  readonly mine: ReadonlySignal<readonly string[]>;
  /** The direct messages you belong to. */
  readonly dms: ReadonlySignal<readonly string[]>;
  /** Unread messages per room you belong to. */
  readonly unread: ReadonlySignal<RoomCounts>;
  /** Unread messages that mention you, per room you belong to. */
  readonly mentions: ReadonlySignal<RoomCounts>;
  /** A message to bring into view (a search result opened), until `focused()`. */
  readonly focus: ReadonlySignal<MessageFocus | null>;
  /** Unread messages in every joined room together. */
  readonly totalUnread: ReadonlySignal<number>;
  /** People online per joined room that has synced (from its presence). */
  readonly members: ReadonlySignal<RoomCounts>;
  /** Joins a room (if needed) and opens it; false, changing nothing, for a bad name. */
  open(name: string): boolean;
  /**
   * Opens `room` and, once it has synced, loads its history back to message
   * `seq` if needed and sets `focus` to it; resolves whether it can be shown.
   */
  openMessage(room: string, seq: number): Promise<boolean>;
  /** The focused message was brought into view: `focus` is null again. */
  focused(): void;
  /**
   * Leaves the open room for good (your membership ends on every device) and
   * opens `general`; false when `general` is open: it is never left.
   */
  leave(): boolean;
  /** Stops following the client and the directory. */
  dispose(): void;
}

/** A message of a room to bring into view. */
export interface MessageFocus {
  room: string;
  seq: number;
}

const isStoredRooms = array(string());

/** What `storage` holds at `key` if `check` accepts it (another version may have written it). */
function readStored<T>(storage: Storage | null, key: string, check: Check): T | undefined {
  try {
    const value: unknown = JSON.parse(storage?.getItem(key) ?? "null");
    return check(value) === null ? value as T : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The unread messages and mentions of a synced room: counted from what it
 * holds after the read position when that is everything after it, else at
 * least what the directory last said.
 */
function countsOf(view: RoomView, meId: string | undefined, listed: RoomSummary | undefined) {
  const read = view.readSeq.value;
  let oldest: number | null = null;
  let unread = 0;
  let mentions = 0;
  for (const message of view.messages.value) {
    if (message.seq === null) continue;
    oldest ??= message.seq;
    if (message.seq <= read || message.own || message.deleted) continue;
    unread++;
    if (meId !== undefined && message.mentions?.includes(meId)) mentions++;
  }
  const holdsAllUnread = !view.hasOlder.value || (oldest !== null && oldest <= read + 1);
  if (holdsAllUnread || !listed) return { unread, mentions };
  return {
    unread: Math.max(unread, listed.unread),
    mentions: Math.max(mentions, listed.mentions),
  };
}

/**
 * Creates {@linkcode ChatRooms}: joins `general`, `initial` and, once, the
 * rooms an older version remembered in `storage` (skipping names no longer
 * valid), and opens `initial`.
 *
 * @example
 * ```ts
 * const rooms = createChatRooms({ client, directory, initial: "general", storage: null });
 * rooms.unread.value; // {} until the rooms sync
 * ```
 */
export function createChatRooms(options: ChatRoomsOptions): ChatRooms {
  const { client, directory, storage } = options;
  const active = signal(options.initial);
  const focus = signal<MessageFocus | null>(null);
  const remembered = readStored<string[]>(storage, JOINED_ROOMS_KEY, isStoredRooms) ?? [];
  for (const name of new Set([DEFAULT_ROOM, ...remembered, options.initial])) {
    if (isRoomName(name)) client.join(name);
  }
  try {
    storage?.removeItem(JOINED_ROOMS_KEY);
  } catch {
    // Dropping it is only tidying.
  }

  /** Every room you belong to: those joined here, then those only the directory knows of. */
  /**
   * Rooms whose membership ended here or elsewhere, until the directory says
   * so too: a list read before the end must neither join nor show them again.
   */
  const ended = signal<ReadonlySet<string>>(new Set());
  const markEnded = (room: string, isEnded: boolean) => {
    if (ended.peek().has(room) === isEnded) return;
    const next = new Set(ended.peek());
    if (isEnded) next.add(room);
    else next.delete(room);
    ended.value = next;
  };

  const belonging = computed(() => {
    const here = client.rooms.value;
    const elsewhere = directory.rooms.value
      .filter((entry) => entry.joined && !here.includes(entry.room) && !ended.value.has(entry.room))
      .map((entry) => entry.room);
    return [...here, ...elsewhere];
  });

  /** The synced joined rooms with their views. */
  const synced = computed(() =>
    client.rooms.value.flatMap((name) => {
      const view = client.room(name);
      return view?.synced.value ? [{ name, view }] : [];
    })
  );

  // A room you belong to on another device is joined here too (for its badge).
  const stopFollowing = effect(() => {
    for (const { room, joined } of directory.rooms.value) {
      if (!joined) markEnded(room, false);
      else if (!ended.peek().has(room)) client.join(room);
    }
  });
  // A room you left (or were removed from) is no longer open.
  const stopClosing = effect(() => {
    if (!client.rooms.value.includes(active.peek())) active.value = DEFAULT_ROOM;
  });
  const stopListening = client.onMembership((room, joined) => {
    markEnded(room, !joined);
    void directory.refresh();
  });
  /** Counts per room you belong to: live in synced rooms, the directory's elsewhere. */
  const counts = computed(() => {
    const meId = client.user.value?.id;
    const listed = new Map(directory.rooms.value.map((entry) => [entry.room, entry]));
    const found: Record<string, { unread: number; mentions: number }> = {};
    for (const name of belonging.value) {
      const view = client.room(name);
      const entry = listed.get(name);
      if (view?.synced.value) found[name] = countsOf(view, meId, entry);
      else if (entry) found[name] = { unread: entry.unread, mentions: entry.mentions };
    }
    return found;
  });
  const pick = (key: "unread" | "mentions") =>
    computed(() =>
      Object.fromEntries(Object.entries(counts.value).map(([name, count]) => [name, count[key]]))
    );
  const unread = pick("unread");

  function open(name: string): boolean {
    if (!isRoomName(name)) return false;
    client.join(name);
    active.value = name;
    // A message waiting to be focused elsewhere is not wanted any more.
    if (focus.peek()?.room !== name) focus.value = null;
    return true;
  }

  /** Resolves once `view` has synced (at once if it has). */
  const whenSynced = (view: RoomView) =>
    new Promise<void>((resolve) => {
      const stop = effect(() => {
        if (!view.synced.value) return;
        resolve();
        queueMicrotask(() => stop());
      });
    });

  return {
    active,
    mine: computed(() => belonging.value.filter((name) => !isDmRoom(name))),
    dms: computed(() => belonging.value.filter(isDmRoom)),
    unread,
    mentions: pick("mentions"),
    focus,
    totalUnread: computed(() => Object.values(unread.value).reduce((sum, n) => sum + n, 0)),
    members: computed(() =>
      Object.fromEntries(synced.value.map(({ name, view }) => [name, view.online.value]))
    ),
    open,
    async openMessage(room, seq) {
      if (!open(room)) return false;
      const view = client.room(room);
      if (!view) return false;
      await whenSynced(view);
      if (active.peek() !== room || !(await client.reveal(room, seq))) return false;
      focus.value = { room, seq };
      return true;
    },
    focused() {
      focus.value = null;
    },
    leave() {
      const name = active.peek();
      if (name === DEFAULT_ROOM) return false;
      client.leave(name, { forget: true });
      markEnded(name, true);
      active.value = DEFAULT_ROOM;
      void directory.refresh();
      return true;
    },
    dispose() {
      stopFollowing();
      stopClosing();
      stopListening();
    },
  };
}

/**
 * The rooms of the chat page as its sidebar and title show them: the rooms you
 * belong to (kept on the server, so the same on every device: the directory's
 * joined rooms, `general` always among them), the one open, the unread
 * messages of each, and how many people are online in each. The chat island
 * renders these signals and calls `open` and `leave`.
 *
 * Every room you belong to is joined on this connection too, so its badge
 * counts: those the directory lists, and those the server says you joined on
 * another device (`membership`), after which the directory is read again.
 * Rooms a browser remembered in `localStorage` before membership moved to the
 * server are joined once (which makes you a member), and the list is dropped.
 *
 * A message is unread when someone else sent it and its seq is above the
 * newest one you saw in its room. Everything in the open room is seen as it
 * arrives, and what a room held when it first synced (its history) is seen
 * too: only what arrives while you look elsewhere counts. The seen seqs are
 * kept in `storage`, so the badges survive a reload.
 *
 * @example
 * ```ts
 * const rooms = createChatRooms({ client, directory, initial: "general", storage: localStorage });
 * rooms.open("random");
 * effect(() => (document.title = `(${rooms.totalUnread.value}) #${rooms.active.value}`));
 * ```
 */
import { computed, effect, type ReadonlySignal, signal } from "@preact/signals";
import { array, type Check, number, record, string } from "../protocol/check.ts";
import { DEFAULT_ROOM, isDmRoom, isRoomName } from "../protocol/names.ts";
import type { ChatClient, RoomView } from "./client.ts";
import type { RoomDirectory } from "./room_directory.ts";

/** Where a browser kept its joined rooms before membership moved to the server. */
export const JOINED_ROOMS_KEY = "switchboard.rooms";
/** Where the newest seq seen per room is kept in `storage`. */
export const SEEN_SEQS_KEY = "switchboard.seen";

/** Counts per joined room, by name. */
export type RoomCounts = Readonly<Record<string, number>>;

/** Options of {@linkcode createChatRooms}. */
export interface ChatRoomsOptions {
  client: Pick<ChatClient, "rooms" | "room" | "join" | "leave" | "onMembership">;
  /** The rooms as the server lists them for you (read again when a membership changes). */
  directory: Pick<RoomDirectory, "rooms" | "refresh">;
  /** The room to open first (the page's `?room=`); it is joined too. */
  initial: string;
  /** Keeps the seen seqs across reloads (and held the old joined rooms); null keeps nothing. */
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
  /** Unread messages per joined room that has synced. */
  readonly unread: ReadonlySignal<RoomCounts>;
  /** Unread messages in every joined room together. */
  readonly totalUnread: ReadonlySignal<number>;
  /** People online per joined room that has synced (from its presence). */
  readonly members: ReadonlySignal<RoomCounts>;
  /** Joins a room (if needed) and opens it; false, changing nothing, for a bad name. */
  open(name: string): boolean;
  /**
   * Leaves the open room for good (your membership ends on every device) and
   * opens `general`; false when `general` is open: it is never left.
   */
  leave(): boolean;
  /** Stops following the client and the directory. */
  dispose(): void;
}

const isStoredRooms = array(string());
const isStoredSeqs = record(number());

/** What `storage` holds at `key` if `check` accepts it (another version may have written it). */
function readStored<T>(storage: Storage | null, key: string, check: Check): T | undefined {
  try {
    const value: unknown = JSON.parse(storage?.getItem(key) ?? "null");
    return check(value) === null ? value as T : undefined;
  } catch {
    return undefined;
  }
}

function store(storage: Storage | null, key: string, value: unknown) {
  try {
    storage?.setItem(key, JSON.stringify(value));
  } catch {
    // A full or refused storage only costs remembering across reloads.
  }
}

function newestSeq(view: RoomView): number {
  let newest = 0;
  for (const message of view.messages.value) {
    if (message.seq !== null && message.seq > newest) newest = message.seq;
  }
  return newest;
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
  const seen = signal<RoomCounts>(
    readStored<RoomCounts>(storage, SEEN_SEQS_KEY, isStoredSeqs) ?? {},
  );
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
  const belonging = computed(() => {
    const here = client.rooms.value;
    const elsewhere = directory.rooms.value
      .filter((entry) => entry.joined && !here.includes(entry.room))
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

  /**
   * Rooms whose membership ended here or elsewhere, until the directory says
   * so too: a list read before the end must not join them again.
   */
  const ended = new Set<string>();
  // A room you belong to on another device is joined here too (for its badge).
  const stopFollowing = effect(() => {
    for (const { room, joined } of directory.rooms.value) {
      if (!joined) ended.delete(room);
      else if (!ended.has(room)) client.join(room);
    }
  });
  // A room you left (or were removed from) is no longer open.
  const stopClosing = effect(() => {
    if (!client.rooms.value.includes(active.peek())) active.value = DEFAULT_ROOM;
  });
  const stopListening = client.onMembership((room, joined) => {
    if (joined) ended.delete(room);
    else ended.add(room);
    void directory.refresh();
  });
  // The open room, and a room seen for the first time, are seen up to their newest message.
  const stopSeeing = effect(() => {
    const before = seen.peek();
    let after = before;
    for (const { name, view } of synced.value) {
      if (name !== active.value && before[name] !== undefined) continue;
      const newest = newestSeq(view);
      if (after[name] !== newest) after = { ...after, [name]: newest };
    }
    if (after === before) return;
    seen.value = after;
    store(storage, SEEN_SEQS_KEY, after);
  });

  const unread = computed(() => {
    const counts: Record<string, number> = {};
    for (const { name, view } of synced.value) {
      const since = seen.value[name] ?? 0;
      counts[name] = view.messages.value.filter((message) =>
        !message.own && message.seq !== null && message.seq > since
      ).length;
    }
    return counts;
  });

  return {
    active,
    mine: computed(() => belonging.value.filter((name) => !isDmRoom(name))),
    dms: computed(() => belonging.value.filter(isDmRoom)),
    unread,
    totalUnread: computed(() => Object.values(unread.value).reduce((sum, n) => sum + n, 0)),
    members: computed(() =>
      Object.fromEntries(synced.value.map(({ name, view }) => [name, view.online.value]))
    ),
    open(name) {
      if (!isRoomName(name)) return false;
      client.join(name);
      active.value = name;
      return true;
    },
    leave() {
      const name = active.peek();
      if (name === DEFAULT_ROOM) return false;
      client.leave(name, { forget: true });
      ended.add(name);
      active.value = DEFAULT_ROOM;
      void directory.refresh();
      return true;
    },
    dispose() {
      stopFollowing();
      stopClosing();
      stopListening();
      stopSeeing();
    },
  };
}

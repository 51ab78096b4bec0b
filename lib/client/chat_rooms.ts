/**
 * The rooms of the chat page as its sidebar and title show them: the rooms you
 * are in (remembered across reloads, `general` always among them), the one
 * open, the unread messages of each, and how many people are online in each.
 * The chat island renders these signals and calls `open` and `leave`.
 *
 * A message is unread when someone else sent it and its seq is above the
 * newest one you saw in its room. Everything in the open room is seen as it
 * arrives, and what a room held when it first synced (its history) is seen
 * too: only what arrives while you look elsewhere counts. The seen seqs are
 * stored with the joined rooms, so the badges survive a reload.
 *
 * @example
 * ```ts
 * const rooms = createChatRooms({ client: getPageClient(), initial: "general", storage: localStorage });
 * rooms.open("random");
 * effect(() => (document.title = `(${rooms.totalUnread.value}) #${rooms.active.value}`));
 * ```
 */
import { computed, effect, type ReadonlySignal, signal } from "@preact/signals";
import { array, type Check, number, record, string } from "../protocol/check.ts";
import { DEFAULT_ROOM, isRoomName } from "../protocol/names.ts";
import type { ChatClient, RoomView } from "./client.ts";

/** Where the joined rooms are kept in `storage`. */
export const JOINED_ROOMS_KEY = "switchboard.rooms";
/** Where the newest seq seen per room is kept in `storage`. */
export const SEEN_SEQS_KEY = "switchboard.seen";

/** Counts per joined room, by name. */
export type RoomCounts = Readonly<Record<string, number>>;

/** Options of {@linkcode createChatRooms}. */
export interface ChatRoomsOptions {
  client: Pick<ChatClient, "rooms" | "room" | "join" | "leave">;
  /** The room to open first (the page's `?room=`); it is joined too. */
  initial: string;
  /** Keeps the joined rooms and the seen seqs across reloads; null keeps nothing. */
  storage: Storage | null;
}

/** The chat page's rooms. */
export interface ChatRooms {
  /** The open room. */
  readonly active: ReadonlySignal<string>;
  /** Unread messages per joined room that has synced. */
  readonly unread: ReadonlySignal<RoomCounts>;
  /** Unread messages in every joined room together. */
  readonly totalUnread: ReadonlySignal<number>;
  /** People online per joined room that has synced (from its presence). */
  readonly members: ReadonlySignal<RoomCounts>;
  /** Joins a room (if needed) and opens it; false, changing nothing, for a bad name. */
  open(name: string): boolean;
  /** Leaves the open room and opens `general`; false when `general` is open: it is never left. */
  leave(): boolean;
  /** Stops remembering. */
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
 * Creates {@linkcode ChatRooms}: joins `general`, the rooms remembered in
 * `storage` (skipping names no longer valid) and `initial`, and opens `initial`.
 *
 * @example
 * ```ts
 * const rooms = createChatRooms({ client, initial: "general", storage: null });
 * rooms.unread.value; // {} until the rooms sync
 * ```
 */
export function createChatRooms(options: ChatRoomsOptions): ChatRooms {
  const { client, storage } = options;
  const active = signal(options.initial);
  const seen = signal<RoomCounts>(
    readStored<RoomCounts>(storage, SEEN_SEQS_KEY, isStoredSeqs) ?? {},
  );
  const saved = readStored<string[]>(storage, JOINED_ROOMS_KEY, isStoredRooms) ?? [];
  for (const name of new Set([DEFAULT_ROOM, ...saved, options.initial])) {
    if (isRoomName(name)) client.join(name);
  }

  /** The synced joined rooms with their views. */
  const synced = computed(() =>
    client.rooms.value.flatMap((name) => {
      const view = client.room(name);
      return view?.synced.value ? [{ name, view }] : [];
    })
  );

  const stopRemembering = effect(() => store(storage, JOINED_ROOMS_KEY, client.rooms.value));
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
      client.leave(name);
      active.value = DEFAULT_ROOM;
      return true;
    },
    dispose() {
      stopRemembering();
      stopSeeing();
    },
  };
}

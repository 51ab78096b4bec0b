/**
 * What you were writing in each room, kept when you switch rooms and across
 * reloads. Each draft lives under its own `storage` key, so typing writes
 * only the draft being typed; a list of the rooms with drafts, newest last,
 * bounds how many are kept: past {@linkcode DraftsOptions.maxRooms} the
 * oldest draft is dropped. A draft is cut at
 * {@linkcode DraftsOptions.maxChars}, and an empty one is removed.
 *
 * @example
 * ```ts
 * const drafts = createDrafts({ storage: localStorage });
 * drafts.set("general", "half a thought");
 * drafts.get("general"); // "half a thought", after a reload too
 * drafts.set("general", ""); // sent: forgotten
 * ```
 */
import { array, string } from "../protocol/check.ts";
import { isRoomName } from "../protocol/names.ts";

/** Where the rooms with drafts are listed, oldest first, in `storage`. */
export const DRAFT_ROOMS_KEY = "switchboard.drafts";

/** Where the draft of `room` is kept in `storage`. */
export function draftKey(room: string): string {
  return `switchboard.draft.${room}`;
}

/** Options of {@linkcode createDrafts}. */
export interface DraftsOptions {
  /** Keeps the drafts across reloads; null keeps them for this page only. */
  storage: Storage | null;
  /** The most rooms with a draft. Default 20. */
  maxRooms?: number;
  /** The longest draft kept, in UTF-16 units. Default 16 000 (four messages at the longest). */
  maxChars?: number;
}

/** The drafts of every room. */
export interface Drafts {
  /** The draft of `room`, or "". */
  get(room: string): string;
  /** Keeps `text` as the draft of `room` ("" or only spaces: no draft). */
  set(room: string, text: string): void;
}

const isRoomList = array(string());

/** Creates the {@linkcode Drafts}, reading what `storage` kept. */
export function createDrafts(options: DraftsOptions): Drafts {
  const { storage } = options;
  const maxRooms = options.maxRooms ?? 20;
  const maxChars = options.maxChars ?? 16_000;
  const held = new Map<string, string>();

  const read = (key: string): string | null => {
    try {
      return storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  };
  // A full or refused storage only costs keeping drafts across reloads.
  const write = (key: string, value: string | null) => {
    try {
      if (value === null) storage?.removeItem(key);
      else storage?.setItem(key, value);
    } catch {
      // Kept in memory all the same.
    }
  };

  // The rooms with drafts, oldest first: what storage lists, if it is a list of room names.
  let rooms: string[] = [];
  try {
    const listed: unknown = JSON.parse(read(DRAFT_ROOMS_KEY) ?? "[]");
    if (isRoomList(listed) === null) {
      rooms = [...new Set(listed as string[])].filter(isRoomName).slice(-maxRooms);
    }
  } catch {
    // Another version's value, or none: start without drafts.
  }
  for (const room of rooms) {
    const text = read(draftKey(room));
    if (text) held.set(room, text.slice(0, maxChars));
  }
  rooms = rooms.filter((room) => held.has(room));

  const saveRooms = () => write(DRAFT_ROOMS_KEY, JSON.stringify(rooms));

  return {
    get: (room) => held.get(room) ?? "",
    set(room, text) {
      if (!isRoomName(room)) return;
      const kept = text.slice(0, maxChars);
      if (kept.trim() === "") {
        if (!held.delete(room)) return;
        write(draftKey(room), null);
        rooms = rooms.filter((name) => name !== room);
        saveRooms();
        return;
      }
      held.set(room, kept);
      write(draftKey(room), kept);
      if (rooms.at(-1) === room) return;
      rooms = [...rooms.filter((name) => name !== room), room];
      for (const dropped of rooms.splice(0, Math.max(0, rooms.length - maxRooms))) {
        held.delete(dropped);
        write(draftKey(dropped), null);
      }
      saveRooms();
    },
  };
}

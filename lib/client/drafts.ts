/**
 * What you were writing in each room, kept when you switch rooms and across
 * reloads: one `storage` entry holds the drafts by room, the one written
 * last at the end. At most {@linkcode DraftsOptions.maxRooms} are kept (the
 * least recently written goes first), each cut at
 * {@linkcode DraftsOptions.maxChars}, and an empty draft is removed, so the
 * entry stays small enough to rewrite as you type.
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

/** Where the drafts are kept in `storage`: `[[room, text], …]`, the last written last. */
export const DRAFTS_KEY = "switchboard.drafts";

/** Options of {@linkcode createDrafts}. */
export interface DraftsOptions {
  /** Keeps the drafts across reloads; null keeps them for this page only. */
  storage: Storage | null;
  /** The most rooms with a draft. Default 20. */
  maxRooms?: number;
  /** The longest draft kept, in UTF-16 units. Default 4 000 (a message at the longest). */
  maxChars?: number;
}

/** The drafts of every room. */
export interface Drafts {
  /** The draft of `room`, or "". */
  get(room: string): string;
  /** Keeps `text` as the draft of `room` ("" or only spaces: no draft). */
  set(room: string, text: string): void;
}

const isStoredDrafts = array(array(string(), { max: 2 }));

/** Creates the {@linkcode Drafts}, reading what `storage` kept. */
export function createDrafts(options: DraftsOptions): Drafts {
  const { storage } = options;
  const maxRooms = options.maxRooms ?? 20;
  const maxChars = options.maxChars ?? 4_000;
  const drafts = new Map<string, string>();
  try {
    const stored: unknown = JSON.parse(storage?.getItem(DRAFTS_KEY) ?? "[]");
    if (isStoredDrafts(stored) === null) {
      for (const [room, text = ""] of (stored as string[][]).slice(-maxRooms)) {
        if (isRoomName(room)) drafts.set(room, text.slice(0, maxChars));
      }
    }
  } catch {
    // Another version's value, or none: start without drafts.
  }

  return {
    get: (room) => drafts.get(room) ?? "",
    set(room, text) {
      drafts.delete(room);
      if (text.trim() !== "") drafts.set(room, text.slice(0, maxChars));
      // A Map keeps the order of writing: the first is the least recently written.
      for (const oldest of [...drafts.keys()].slice(0, -maxRooms)) drafts.delete(oldest);
      try {
        storage?.setItem(DRAFTS_KEY, JSON.stringify([...drafts]));
      } catch {
        // A full or refused storage only costs keeping drafts across reloads.
      }
    },
  };
}

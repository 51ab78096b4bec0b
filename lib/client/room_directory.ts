/**
 * The rooms from `GET /api/rooms`, as the signed-in user may see them: the
 * public rooms and the private rooms and direct messages they belong to, each
 * with its members, who is online, and whether the user is a member. The
 * sidebar comes from here (the rooms you belong to on any device), so a
 * refresh reads every page (at most {@linkcode DIRECTORY_PAGES_MAX} of 500).
 * Presence inside a joined room is live (the `presence` frames); these counts
 * are a periodic snapshot of every room.
 *
 * @example
 * ```ts
 * const directory = createRoomDirectory({ token: () => client.accessToken() });
 * await directory.refresh();
 * directory.rooms.value; // [{ room: "general", joined: true, members: 3, online: 2, … }, …]
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import { isRoomListResponse } from "../protocol/guards.ts";
import type { RoomListEntry } from "../protocol/http.ts";

/** One room of the directory. */
export type RoomSummary = RoomListEntry;

/** Most pages one refresh reads. */
export const DIRECTORY_PAGES_MAX = 5;

/** Options of {@linkcode createRoomDirectory}. */
export interface RoomDirectoryOptions {
  /** Default `location.origin`; required outside a page. */
  origin?: string;
  /** Default `fetch`. */
  fetch?: typeof fetch;
  /** What to show before the first answer (the server-rendered list). */
  initial?: readonly RoomSummary[];
  /** The signed-in user's access token; without it, only the public rooms are listed. */
  token?: () => Promise<string>;
}

/** The rooms and whether the last refresh worked. */
export interface RoomDirectory {
  readonly rooms: ReadonlySignal<readonly RoomSummary[]>;
  /** Whether a refresh answered since the page loaded (before, `rooms` is what the server rendered). */
  readonly loaded: ReadonlySignal<boolean>;
  /** Why the last refresh failed; null when it worked. */
  readonly error: ReadonlySignal<string | null>;
  /** Asks the server again; resolves when the signals are updated. */
  refresh(): Promise<void>;
}

/** Creates a {@linkcode RoomDirectory} showing `initial` until the first refresh. */
export function createRoomDirectory(options: RoomDirectoryOptions = {}): RoomDirectory {
  const origin = options.origin ?? globalThis.location?.origin;
  if (!origin) throw new TypeError("createRoomDirectory: pass `origin` outside a page");
  const fetchFn = options.fetch ?? globalThis.fetch;
  const rooms = signal<readonly RoomSummary[]>(options.initial ?? []);
  const loaded = signal(false);
  const error = signal<string | null>(null);

  const readPages = async (): Promise<RoomSummary[] | string> => {
    const headers: HeadersInit = options.token
      ? { authorization: `Bearer ${await options.token()}` }
      : {};
    const found: RoomSummary[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < DIRECTORY_PAGES_MAX; page++) {
      const url = new URL("/api/rooms", origin);
      url.searchParams.set("limit", "500");
      if (cursor !== null) url.searchParams.set("cursor", cursor);
      const response = await fetchFn(url.href, { credentials: "same-origin", headers });
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok || !isRoomListResponse(body)) {
        return `room list unavailable (HTTP ${response.status})`;
      }
      found.push(...body.rooms);
      cursor = body.next;
      if (cursor === null) break;
    }
    return found;
  };

  return {
    rooms,
    loaded,
    error,
    async refresh() {
      try {
        const found = await readPages();
        if (typeof found === "string") {
          error.value = found;
          return;
        }
        rooms.value = found;
        loaded.value = true;
        error.value = null;
      } catch (failure) {
        error.value = `room list unavailable: ${(failure as Error).message}`;
      }
    },
  };
}

/**
 * The list of rooms from `GET /api/rooms` (its first page, by name), with how
 * many people are in each, for a rooms sidebar. Presence inside a joined room
 * is live (the `presence` frames); these counts are a periodic snapshot of
 * every room.
 *
 * @example
 * ```ts
 * const directory = createRoomDirectory();
 * directory.refresh();
 * effect(() => console.log(directory.rooms.value)); // [{ name: "general", members: 3 }, …]
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import { isRoomListResponse } from "../protocol/guards.ts";
import type { RoomListResponse } from "../protocol/http.ts";

/** One room of the directory. */
export type RoomSummary = RoomListResponse["rooms"][number];

/** Options of {@linkcode createRoomDirectory}. */
export interface RoomDirectoryOptions {
  /** Default `location.origin`; required outside a page. */
  origin?: string;
  /** Default `fetch`. */
  fetch?: typeof fetch;
  /** What to show before the first answer (the server-rendered list). */
  initial?: readonly RoomSummary[];
}

/** The rooms and whether the last refresh worked. */
export interface RoomDirectory {
  readonly rooms: ReadonlySignal<readonly RoomSummary[]>;
  /** Why the last refresh failed; null when it worked. */
  readonly error: ReadonlySignal<string | null>;
  /** Asks the server again; resolves when the signals are updated. */
  refresh(): Promise<void>;
}

/** Creates a {@linkcode RoomDirectory} showing `initial` until the first refresh. */
export function createRoomDirectory(options: RoomDirectoryOptions = {}): RoomDirectory {
  const origin = options.origin ?? globalThis.location?.origin;
  if (!origin) throw new TypeError("createRoomDirectory: pass `origin` outside a page");
  const url = new URL("/api/rooms", origin).href;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const rooms = signal<readonly RoomSummary[]>(options.initial ?? []);
  const error = signal<string | null>(null);

  return {
    rooms,
    error,
    async refresh() {
      try {
        const response = await fetchFn(url, { credentials: "same-origin" });
        const body: unknown = await response.json().catch(() => null);
        if (!response.ok || !isRoomListResponse(body)) {
          error.value = `room list unavailable (HTTP ${response.status})`;
          return;
        }
        rooms.value = body.rooms;
        error.value = null;
      } catch (failure) {
        error.value = `room list unavailable: ${(failure as Error).message}`;
      }
    },
  };
}

/**
 * Rooms an administrator closed. The flag is kept in the database
 * ({@linkcode ClosedRoomFlags}: in Deno KV under `["room_closed", room]` as
 * `{ by, at }`, in PostgreSQL in `room_closures`), so it outlives restarts
 * and every instance on the database sees it; every instance also hears of a
 * closing at once (the cluster's reliable `room_closed` event), evicts its
 * members and refuses their sends.
 *
 * @example
 * ```ts
 * const closures = createRoomClosures({ flags: createKvClosedRoomFlags(kv), events, clock });
 * closures.onClosed((room) => console.log(`${room} closed`));
 * await closures.closeRoom("random", "user:admin");
 * await closures.isClosed("random"); // true, here and on every instance
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import type { EventBus } from "../bus/mod.ts";
import { retryWhenLocked } from "../store/mod.ts";
import type { Sql } from "../postgres/mod.ts";
import { createSharedReads } from "./shared_reads.ts";

/** The key of a room's closed flag. */
export function roomClosedKey(room: string): Deno.KvKey {
  return ["room_closed", room];
}

/** What the flag records. */
export interface RoomClosedRecord {
  /** The id of the administrator who closed it. */
  by: string;
  at: number;
}

/** Where the closed flags are kept. */
export interface ClosedRoomFlags {
  /** Which of `rooms` carry the flag. */
  closedAmong(rooms: readonly string[]): Promise<Set<string>>;
  /** Sets the flag of `room`. */
  close(room: string, record: RoomClosedRecord): Promise<void>;
}

/** Creates the {@linkcode ClosedRoomFlags} on `kv`. */
export function createKvClosedRoomFlags(kv: Deno.Kv): ClosedRoomFlags {
  return {
    async closedAmong(rooms) {
      const reads = [];
      // `getMany` reads at most 10 keys at a time.
      for (let start = 0; start < rooms.length; start += 10) {
        reads.push(kv.getMany(rooms.slice(start, start + 10).map(roomClosedKey)));
      }
      const entries = (await Promise.all(reads)).flat();
      return new Set(entries.filter((entry) => entry.value !== null).map((e) => String(e.key[1])));
    },
    async close(room, record) {
      await retryWhenLocked(() => kv.set(roomClosedKey(room), record));
    },
  };
}

/** Creates the {@linkcode ClosedRoomFlags} in PostgreSQL (table `room_closures`). */
export function createPgClosedRoomFlags(sql: Sql): ClosedRoomFlags {
  return {
    async closedAmong(rooms) {
      if (rooms.length === 0) return new Set();
      const rows = await sql<{ room: string }[]>`
        select room from room_closures where room = any(${[...rooms]}::text[])`;
      return new Set(rows.map((row) => row.room));
    },
    async close(room, { by, at }) {
      await sql`
        insert into room_closures (room, closed_by, closed_at) values (${room}, ${by}, ${at})
        on conflict (room) do update set closed_by = excluded.closed_by, closed_at = excluded.closed_at`;
    },
  };
}

/** Options of {@linkcode createRoomClosures}. */
export interface RoomClosuresOptions {
  flags: ClosedRoomFlags;
  /** Carries closings (topic `room_closed`) to every instance. */
  events: EventBus;
  clock: Clock;
}

/** The closed rooms, as this instance knows them. */
export interface RoomClosures {
  /** Whether the room is closed, asking the store unless this instance already knows. */
  isClosed(room: string): Promise<boolean>;
  /** Whether this instance knows the room is closed, without asking the store (for sends). */
  isKnownClosed(room: string): boolean;
  /** Which of `rooms` are closed, asking the store about those this instance does not know. */
  closedAmong(rooms: readonly string[]): Promise<Set<string>>;
  /** Persists the flag, then tells every instance, this one included. */
  closeRoom(room: string, by: string): Promise<void>;
  /** Listens to closings; returns the unsubscribe. */
  onClosed(listener: (room: string) => void): () => void;
  /** Stops listening to closings. */
  stop(): void;
}

/** Creates the {@linkcode RoomClosures} of one instance. */
export function createRoomClosures({ flags, events, clock }: RoomClosuresOptions): RoomClosures {
  const known = new Set<string>();
  const listeners = new Set<(room: string) => void>();
  // Each join asks: a burst of joins into one room reads its flag once per read.
  const readClosed = createSharedReads(async (room) => (await flags.closedAmong([room])).has(room));

  const stopListening = events.on("room_closed", ({ room }) => {
    known.add(room);
    for (const listener of listeners) listener(room);
  });

  return {
    async isClosed(room) {
      if (known.has(room)) return true;
      const closed = await readClosed(room);
      if (closed) known.add(room);
      return closed;
    },
    isKnownClosed: (room) => known.has(room),
    async closedAmong(rooms) {
      const closed = new Set(rooms.filter((room) => known.has(room)));
      const unknown = rooms.filter((room) => !known.has(room));
      for (const room of await flags.closedAmong(unknown)) {
        known.add(room);
        closed.add(room);
      }
      return closed;
    },
    async closeRoom(room, by) {
      const record: RoomClosedRecord = { by, at: clock.now() };
      await flags.close(room, record);
      events.emit("room_closed", { room });
    },
    onClosed(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    stop() {
      stopListening();
      listeners.clear();
    },
  };
}

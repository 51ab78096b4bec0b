/**
 * What each room did in the current window, for "the busiest rooms" and the
 * status history's rooms: messages committed, delivery latencies, error
 * frames sent for its frames, and its members on this isolate. Room names
 * cannot be Prometheus labels (unbounded), so they are counted here: a room
 * already tracked costs a property increment (a delivery: one slot of its
 * small histogram). Each {@linkcode RoomActivity.take} closes the window;
 * rooms without members that were silent for a whole window are forgotten,
 * and at most `maxRooms` are tracked.
 *
 * @example
 * ```ts
 * const activity = createRoomActivity();
 * activity.setMembers("general", 2);
 * activity.record("general");
 * activity.take(20); // [{ room: "general", messages: 1, members: 2, errors: 0 }]
 * activity.take(20); // [{ room: "general", messages: 0, members: 2, errors: 0 }]
 * ```
 */
import { LATENCY_BUCKETS_MS } from "./histogram.ts";

/** A room and what it did in a window. */
export interface RoomCount {
  room: string;
  messages: number;
  /** Its members on this isolate at the end of the window. */
  members: number;
  /** Error frames sent for its frames. */
  errors: number;
  /** Delivery latencies, counted per `LATENCY_BUCKETS_MS` bucket (and one above); absent without any. */
  deliveries?: number[];
}

/** Per-room counts, window by window. */
export interface RoomActivity {
  /** Counts one committed message in `room`. */
  record(room: string): void;
  /** Counts one delivery of a message of `room`, `ms` after its `send` arrived. */
  recordDelivery(room: string, ms: number): void;
  /** Counts one error frame sent for a frame about `room`. */
  recordError(room: string): void;
  /** `room` now has `members` connections on this isolate. */
  setMembers(room: string, members: number): void;
  /**
   * The `limit` busiest rooms of the window (by messages, then members) and
   * starts a new window.
   */
  take(limit: number): RoomCount[];
}

/** Options of {@linkcode createRoomActivity}. */
export interface RoomActivityOptions {
  /** The most rooms tracked at once; further rooms are not counted. Default 10 000. */
  maxRooms?: number;
}

/** One room's window; kept between windows so an active room allocates nothing. */
interface RoomWindow {
  messages: number;
  members: number;
  errors: number;
  deliveries: Float64Array | null;
}

function slotOf(ms: number): number {
  let slot = 0;
  while (slot < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[slot]) slot++;
  return slot;
}

/** Creates an empty {@linkcode RoomActivity}. */
export function createRoomActivity(options: RoomActivityOptions = {}): RoomActivity {
  const maxRooms = options.maxRooms ?? 10_000;
  const windows = new Map<string, RoomWindow>();

  const windowOf = (room: string): RoomWindow | undefined => {
    let window = windows.get(room);
    if (!window && windows.size < maxRooms) {
      window = { messages: 0, members: 0, errors: 0, deliveries: null };
      windows.set(room, window);
    }
    return window;
  };

  return {
    record(room) {
      const window = windowOf(room);
      if (window) window.messages++;
    },
    recordDelivery(room, ms) {
      const window = windowOf(room);
      if (!window || !Number.isFinite(ms)) return;
      window.deliveries ??= new Float64Array(LATENCY_BUCKETS_MS.length + 1);
      window.deliveries[slotOf(ms)]++;
    },
    recordError(room) {
      const window = windowOf(room);
      if (window) window.errors++;
    },
    setMembers(room, members) {
      const window = members > 0 ? windowOf(room) : windows.get(room);
      if (window) window.members = members;
    },
    take(limit) {
      const rooms: RoomCount[] = [];
      for (const [room, window] of windows) {
        const { messages, members, errors, deliveries } = window;
        const delivered = deliveries?.some((count) => count > 0) ?? false;
        if (messages === 0 && errors === 0 && !delivered && members === 0) {
          windows.delete(room);
          continue;
        }
        rooms.push({
          room,
          messages,
          members,
          errors,
          ...(delivered ? { deliveries: Array.from(deliveries!) } : {}),
        });
        window.messages = 0;
        window.errors = 0;
        deliveries?.fill(0);
      }
      rooms.sort((a, b) =>
        b.messages - a.messages || b.members - a.members || a.room.localeCompare(b.room)
      );
      return rooms.slice(0, limit);
    },
  };
}

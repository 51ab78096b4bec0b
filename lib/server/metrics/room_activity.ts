/**
 * Messages per room in the current window, for "the busiest rooms". Room
 * names cannot be Prometheus labels (unbounded), so they are counted here:
 * a room already in the window costs one `Map.set` of a number. Each
 * {@linkcode RoomActivity.take} closes the window; rooms silent for a whole
 * window are forgotten, and at most `maxRooms` are tracked.
 *
 * @example
 * ```ts
 * const activity = createRoomActivity();
 * activity.record("general");
 * activity.take(20); // [{ room: "general", messages: 1 }]
 * activity.take(20); // []
 * ```
 */

/** A room and how many messages it committed in a window. */
export interface RoomCount {
  room: string;
  messages: number;
}

/** Per-room message counts, window by window. */
export interface RoomActivity {
  /** Counts one committed message in `room`. */
  record(room: string): void;
  /** The `limit` busiest rooms of the window, busiest first, and starts a new window. */
  take(limit: number): RoomCount[];
}

/** Options of {@linkcode createRoomActivity}. */
export interface RoomActivityOptions {
  /** The most rooms tracked in one window; further rooms are not counted. Default 10 000. */
  maxRooms?: number;
}

/** Creates an empty {@linkcode RoomActivity}. */
export function createRoomActivity(options: RoomActivityOptions = {}): RoomActivity {
  const maxRooms = options.maxRooms ?? 10_000;
  const counts = new Map<string, number>();

  return {
    record(room) {
      const count = counts.get(room);
      if (count !== undefined) counts.set(room, count + 1);
      else if (counts.size < maxRooms) counts.set(room, 1);
    },
    take(limit) {
      const busiest: RoomCount[] = [];
      for (const [room, messages] of counts) {
        if (messages === 0) counts.delete(room);
        else {
          busiest.push({ room, messages });
          // Zeroing keeps the entry, so an active room allocates nothing next window.
          counts.set(room, 0);
        }
      }
      busiest.sort((a, b) => b.messages - a.messages || a.room.localeCompare(b.room));
      return busiest.slice(0, limit);
    },
  };
}

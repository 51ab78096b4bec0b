/**
 * A room member for tests of the room layer: a connection as the hub hands it
 * over, keeping every frame it is sent, parsed.
 *
 * @example
 * ```ts
 * const ada = recordingMember(0); // user u0, named user-000
 * await layer.service.handle(ada, { type: "join", room: "general" });
 * ada.of("joined")[0].presence;
 * ```
 */
import type { ServerFrame, ServerFrameOf } from "../../lib/protocol/mod.ts";
import type { RoomMember } from "../../lib/server/rooms/mod.ts";

/** A member and the frames it was sent. */
export interface RecordingMember extends RoomMember {
  readonly frames: ServerFrame[];
  /** The frames of one type it was sent, in order. */
  of<T extends ServerFrame["type"]>(type: T): ServerFrameOf<T>[];
}

/** Member `index`: session `s<index>`, user `u<index>` named `user-<index, three digits>`. */
export function recordingMember(index: number): RecordingMember {
  const frames: ServerFrame[] = [];
  return {
    session: `s${index}`,
    user: { id: `u${index}`, name: `user-${String(index).padStart(3, "0")}`, role: "user" },
    rooms: new Set(),
    sendText: (text) => void frames.push(JSON.parse(text)),
    frames,
    of: <T extends ServerFrame["type"]>(type: T) =>
      frames.filter((frame) => frame.type === type) as ServerFrameOf<T>[],
  };
}

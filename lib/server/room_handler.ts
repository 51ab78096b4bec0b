/**
 * The seam between the socket loop and the room layer. The hub validates,
 * rate-limits and size-checks every frame, then hands room frames here, one at
 * a time per connection; the room layer replies through the connection.
 *
 * @example
 * ```ts
 * const rooms: RoomHandler = {
 *   handle(connection, frame) { connection.send({ type: "left", room: frame.room }); },
 *   disconnect(connection) {},
 * };
 * ```
 */
import type { ClientFrameOf } from "../protocol/frames.ts";
import type { Connection } from "./connection.ts";

/** The client frames that concern rooms. */
export type RoomFrame = ClientFrameOf<"join" | "leave" | "send" | "history" | "typing">;

/** The frame types a {@linkcode RoomHandler} receives. */
export const ROOM_FRAME_TYPES: ReadonlySet<string> = new Set([
  "join",
  "leave",
  "send",
  "history",
  "typing",
]);

/** A room layer. Errors it throws become an `internal` error frame; the socket stays open. */
export interface RoomHandler {
  /**
   * Answers one room frame from `connection`. `receivedAt` is when the frame
   * arrived (it may have waited behind earlier frames), for latency metrics.
   */
  handle(connection: Connection, frame: RoomFrame, receivedAt: number): void | Promise<void>;
  /** `connection` closed: leave every room it joined. */
  disconnect(connection: Connection): void | Promise<void>;
  /** The server is stopping: release timers and subscriptions. */
  close?(): void | Promise<void>;
}

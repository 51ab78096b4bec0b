/**
 * The seam between the socket loop and the room layer. The hub validates,
 * rate-limits and size-checks every frame, then hands each room frame (the
 * protocol's `RoomFrame`: `isRoomFrame` tells) here, one at a time per
 * connection; the room layer replies through the member. The room service is
 * the room layer.
 *
 * @example
 * ```ts
 * const rooms: RoomHandler = {
 *   handle(member, frame) { member.sendText(JSON.stringify({ type: "left", room: frame.room })); },
 *   disconnect(member) {},
 * };
 * ```
 */
import type { RoomFrame } from "../../protocol/mod.ts";
import type { RoomMember } from "./member.ts";

/** A room layer. Errors it throws become an `internal` error frame; the socket stays open. */
export interface RoomHandler {
  /**
   * Answers one room frame from `member`. `receivedAt` is when the frame
   * arrived (it may have waited behind earlier frames), for latency metrics.
   */
  handle(member: RoomMember, frame: RoomFrame, receivedAt: number): void | Promise<void>;
  /** `member`'s connection closed: leave every room it joined. */
  disconnect(member: RoomMember): void | Promise<void>;
  /** The server is stopping: release timers and subscriptions. */
  close?(): void | Promise<void>;
}

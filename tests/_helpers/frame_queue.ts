/**
 * Server frames in arrival order for a test to take one at a time: whatever
 * transport delivers them (a WebSocket, the fallback's event stream) pushes,
 * and the test awaits the next one, or the next one of a type.
 *
 * @example
 * ```ts
 * const frames = createFrameQueue();
 * socket.onmessage = (event) => frames.push(JSON.parse(event.data));
 * const joined = await frames.nextOf("joined"); // skips anything before it
 * ```
 */
import type { ServerFrame, ServerFrameOf } from "../../lib/protocol/frames.ts";

/** Frames not yet taken, and the takers waiting for one. */
export interface FrameQueue {
  push(frame: ServerFrame): void;
  /** The next frame not yet taken (waits for it). */
  next(): Promise<ServerFrame>;
  /** The next frame of `type`, dropping the others before it. */
  nextOf<T extends ServerFrame["type"]>(type: T): Promise<ServerFrameOf<T>>;
  /** The first frame not yet taken that `match`es (waits for it); the others stay. */
  take(match: (frame: ServerFrame) => boolean): Promise<ServerFrame>;
}

/** Creates an empty {@linkcode FrameQueue}. */
export function createFrameQueue(): FrameQueue {
  const frames: ServerFrame[] = [];
  const takers: { match: (frame: ServerFrame) => boolean; resolve(frame: ServerFrame): void }[] =
    [];
  const take = (match: (frame: ServerFrame) => boolean) => {
    const index = frames.findIndex(match);
    if (index >= 0) return Promise.resolve(frames.splice(index, 1)[0]);
    return new Promise<ServerFrame>((resolve) => takers.push({ match, resolve }));
  };
  const next = () => take(() => true);
  return {
    push(frame) {
      const index = takers.findIndex((taker) => taker.match(frame));
      if (index >= 0) takers.splice(index, 1)[0].resolve(frame);
      else frames.push(frame);
    },
    next,
    async nextOf<T extends ServerFrame["type"]>(type: T) {
      for (;;) {
        const frame = await next();
        if (frame.type === type) return frame as ServerFrameOf<T>;
      }
    },
    take,
  };
}

/**
 * One room's stream of messages in one isolate: whatever order and however
 * often messages arrive (a local commit, a sibling isolate, a KV watch), each
 * seq is delivered at most once and in order. A message that arrives after a
 * gap waits while the missing seqs are read from the log.
 *
 * @example
 * ```ts
 * const feed = createRoomFeed({ room: "general", log: store, deliver: (m) => console.log(m.seq) });
 * feed.offer(messageSeven); // reads 1..6 from the log if they were not delivered yet
 * await feed.idle();
 * ```
 */
import type { Message } from "../../protocol/mod.ts";
import type { MessageStore } from "../store/mod.ts";

/**
 * The part of the log a feed reads to fill gaps; with `committedHead`, the bus
 * skips reading for heads its own isolate committed (and is about to publish).
 */
export type MessageLog =
  & Pick<MessageStore, "head" | "range">
  & Partial<Pick<MessageStore, "committedHead">>;

/** Options of {@linkcode createRoomFeed}. */
export interface RoomFeedOptions {
  room: string;
  log: MessageLog;
  /** Called once per seq, in seq order. */
  deliver(message: Message): void;
  /** A failed log read; the next offer or catch-up tries again. */
  onError(error: unknown): void;
}

/** A room's ordered, at-most-once delivery in this isolate. */
export interface RoomFeed {
  /** A message that was committed somewhere. */
  offer(message: Message): void;
  /** The room's head moved to `head`: deliver everything up to it. */
  catchUp(head: number): void;
  /** Resolves when every offer and catch-up so far has been handled. */
  idle(): Promise<void>;
}

/**
 * Creates a {@linkcode RoomFeed}. Seqs up to the room's head at creation count
 * as delivered: whoever subscribes replays them from the log itself.
 */
export function createRoomFeed(options: RoomFeedOptions): RoomFeed {
  const { room, log, deliver, onError } = options;
  let delivered = 0;
  // Every step runs after the previous one, so deliveries never interleave.
  let steps: Promise<void> = Promise.resolve();
  const then = (step: () => Promise<void> | void) => {
    steps = steps.then(step).catch(onError);
  };

  const fill = async (through: number) => {
    const missing = await log.range(room, delivered, through);
    for (const message of missing) {
      if (message.seq > delivered) {
        delivered = message.seq;
        deliver(message);
      }
    }
    // Seqs that are no longer kept are skipped: the receivers see the gap and
    // ask for history, which tells them what is gone.
    delivered = Math.max(delivered, through);
  };

  then(async () => {
    delivered = await log.head(room);
  });

  return {
    offer(message) {
      then(async () => {
        if (message.seq <= delivered) return;
        if (message.seq > delivered + 1) await fill(message.seq - 1);
        delivered = message.seq;
        deliver(message);
      });
    },
    catchUp(head) {
      then(async () => {
        if (head > delivered) await fill(head);
      });
    },
    idle: () => steps,
  };
}

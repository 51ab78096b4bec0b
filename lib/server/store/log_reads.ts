/**
 * The reads of a room log that only depend on three primitives of its engine
 * (the head, a bounded page, a whole range): `history`, `since` and `range`
 * as {@linkcode MessageStore} defines them, with retention applied the same
 * way on every engine — nothing at or below `head - historyMax` is served,
 * even while an older row is still stored.
 *
 * @example
 * ```ts
 * const reads = createLogReads({ historyMax: 10_000, pageSize: 50, readHead, readPage, readRange });
 * const page = await reads.history("general", { limit: 50 });
 * ```
 */
import type { Message } from "../../protocol/mod.ts";
import type { HistoryPage, MessageStore, PageSize } from "./message_store.ts";

/** What an engine gives {@linkcode createLogReads}. */
export interface LogPrimitives {
  historyMax: number;
  /** Messages in a page without a limit of its own (`latest`, `since` past retention). */
  pageSize: number;
  readHead(room: string): Promise<number>;
  /** A page of kept messages with `after < seq < before` read from its `from` end, oldest first. */
  readPage(
    room: string,
    after: number,
    before: number,
    size: PageSize & { from: "newest" | "oldest" },
  ): Promise<HistoryPage>;
  /** Every kept message with `after < seq < before`, oldest first. */
  readRange(room: string, after: number, before: number): Promise<Message[]>;
}

/** The reads built on an engine's primitives. */
export interface LogReads extends Pick<MessageStore, "history" | "since" | "range"> {
  /** The seq below which nothing is served. */
  retentionFloor(head: number): number;
  /** The newest page of a room whose head is `head`. */
  readNewest(room: string, head: number): Promise<Message[]>;
}

/** Creates the {@linkcode LogReads} of one engine. */
export function createLogReads(primitives: LogPrimitives): LogReads {
  const { historyMax, pageSize, readHead, readPage, readRange } = primitives;

  const retentionFloor = (head: number) => Math.max(0, head - historyMax);

  const readNewest = async (room: string, head: number) =>
    (await readPage(room, retentionFloor(head), head + 1, { limit: pageSize, from: "newest" }))
      .messages;

  /** A page of the kept messages after `after`, oldest first, and whether more follow. */
  const readAfter = (room: string, after: number, head: number, size: PageSize) =>
    readPage(room, Math.max(after, retentionFloor(head)), head + 1, { ...size, from: "oldest" });

  return {
    retentionFloor,
    readNewest,

    async history(room, { before, after, ...size }) {
      const head = await readHead(room);
      if (after !== undefined) return await readAfter(room, after, head, size);
      const end = Math.min(before ?? head + 1, head + 1);
      return await readPage(room, retentionFloor(head), end, { ...size, from: "newest" });
    },

    async since(room, seq, size) {
      const head = await readHead(room);
      if (seq > head || seq < retentionFloor(head)) {
        return { head, recovered: false, messages: await readNewest(room, head), more: false };
      }
      if (size !== undefined) {
        return { head, recovered: true, ...await readAfter(room, seq, head, size) };
      }
      return { head, recovered: true, messages: await readRange(room, seq, head + 1), more: false };
    },

    // One read: the head is not read, since the commits up to `through` pruned what fell out of
    // retention below it.
    range: (room, after, through) =>
      readRange(room, Math.max(after, retentionFloor(through)), through + 1),
  };
}

/**
 * The postgres engine's fan-out of committed messages: each room this
 * instance serves has a feed (`../../bus/room_feed.ts`: each seq once, in
 * order, gaps read from the log). A message committed here is handed to its
 * feed directly; one committed on another instance is announced by the
 * commit's own `switchboard_room` notification (`"<head> <room>"`), and the
 * room's feed catches up to that head, reading what it lacks from the log.
 * When the listening connection (re)opens, notifications may have been lost:
 * the heads of every room served here are read (one query) and each feed
 * catches up.
 *
 * @example
 * ```ts
 * const feed = createPgFeed({ sql, log: store, onError });
 * feed.subscribe("general", (message, json) => socket.send(json));
 * feed.noticed("17 general"); // a commit elsewhere moved the head to 17
 * ```
 */
import { createRoomSubscriptions, type MessageBus, type MessageLog } from "../../bus/mod.ts";
import type { Sql } from "../../postgres/mod.ts";
import { parseHeadNotice } from "./pg_channels.ts";

/** Options of {@linkcode createPgFeed}. */
export interface PgFeedOptions {
  sql: Sql;
  log: MessageLog;
  onError: (error: unknown) => void;
}

/** The fan-out, and what the listener drives it with. */
export interface PgFeed extends MessageBus {
  /** A `switchboard_room` notification's payload. */
  noticed(payload: string): void;
  /** Every room here catches up to its head (the listener reopened). */
  catchUpAll(): void;
  close(): Promise<void>;
}

/** Creates the fan-out of one instance. */
export function createPgFeed(options: PgFeedOptions): PgFeed {
  const { sql, log, onError } = options;
  const rooms = createRoomSubscriptions({ log, onError });

  const catchUp = (room: string, head: number) => {
    // A head this instance committed is published here right after the commit.
    if (head > (log.committedHead?.(room) ?? 0)) rooms.feed(room)?.catchUp(head);
  };

  return {
    publish(message) {
      rooms.feed(message.room)?.offer(message);
    },
    subscribe: (room, listener) => rooms.subscribe(room, listener),
    idle: (room) => rooms.idle(room),
    noticed(payload) {
      const notice = parseHeadNotice(payload);
      if (notice) catchUp(notice.room, notice.head);
      else onError(new Error(`cluster: a malformed room notice ${JSON.stringify(payload)}`));
    },
    catchUpAll() {
      const names = rooms.rooms();
      if (names.length === 0) return;
      sql<{ room: string; head: number }[]>`
        select room, head from room_heads where room = any(${names}::text[])`
        .then((rows) => rows.forEach((row) => catchUp(row.room, row.head)))
        .catch(onError);
    },
    close: () => rooms.close(),
  };
}

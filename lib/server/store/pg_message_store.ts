/**
 * The room log in PostgreSQL (tables `room_heads`, `room_messages` and
 * `send_receipts`; see `../postgres/migrations.ts`), with the guarantees of
 * the Deno KV one (`message_store.ts`).
 *
 * A commit is one transaction: it locks the room's head row (`select … for
 * update`, so commits to one room take turns, from every process), reads
 * which of the batch's cids already have a receipt younger than 24 h, gives
 * the others the next seqs after the head, claims their receipts, inserts the
 * messages, moves the head and prunes what fell out of `historyMax`. Seqs are
 * therefore gapless and never taken twice, and a retried cid gets its
 * original receipt. A cid claimed meanwhile through another room (the same
 * user retrying into two rooms at once) fails the claim, and the whole
 * transaction is tried again. Commits are grouped per room like the KV
 * store's (`commit_queue.ts`): one transaction per batch.
 *
 * An acked message is as durable as the commit: with PostgreSQL's default
 * `synchronous_commit = on` it is flushed to disk (and, with a synchronous
 * standby, replicated) before the ack (see docs/scaling.md).
 *
 * @example
 * ```ts
 * const store = createPgMessageStore(pg.sql, { historyMax: 10_000, clock });
 * const first = await store.commit({ room: "general", user, text: "hi", cid: "c1" });
 * first.receipt.seq; // 1
 * ```
 */
import type { Message, Role } from "../../protocol/mod.ts";
import { decodeText, encodeText, type Sql, type TransactionSql } from "../postgres/mod.ts";
import { createCommitQueue } from "./commit_queue.ts";
import {
  CID_TTL_MS,
  type CommitInput,
  type CommitResult,
  type HistoryPage,
  legacyAuthorRole,
  type MessageStore,
  type MessageStoreOptions,
  type PageSize,
  type Receipt,
} from "./message_store.ts";
import { fillPage } from "./page_reader.ts";
import { createLogReads } from "./log_reads.ts";

/** A batch's rows stay well below what one statement should carry. */
const MAX_BATCH_BYTES = 1024 * 1024;

/** Expired receipts and unused rooms are deleted at most this often, by a commit. */
const PRUNE_EVERY_MS = 60_000;
/** Most rows of each kind one prune deletes, so that it never holds a commit up for long. */
const PRUNE_BATCH = 1_000;

/** A cid of the batch was claimed by a commit to another room meanwhile: try again. */
class CidClaimedMeanwhile extends Error {}

interface MessageRow {
  room: string;
  seq: number;
  id: string;
  cid: string;
  user_id: string;
  user_name: string;
  /** Null on messages stored before users carried their role. */
  user_role: Role | null;
  text: string;
  ts: number;
}

function messageOf(row: MessageRow): Message {
  const role = row.user_role ?? legacyAuthorRole(row.user_id);
  return {
    room: row.room,
    seq: row.seq,
    id: row.id,
    cid: decodeText(row.cid),
    user: { id: row.user_id, name: row.user_name, role },
    text: decodeText(row.text),
    ts: row.ts,
  };
}

/** Options of {@linkcode createPgMessageStore}. */
export interface PgMessageStoreOptions extends Omit<MessageStoreOptions, "headSignal"> {
  /**
   * A channel every commit notifies inside its own transaction, with the
   * payload `"<head> <room>"`, for whoever listens to many rooms on one
   * channel (the postgres cluster engine). PostgreSQL delivers it at commit,
   * in commit order, and never for a commit rolled back. Default: none.
   */
  headChannel?: string;
}

/** Creates a {@linkcode MessageStore} in the PostgreSQL database of `sql` (migrated). */
export function createPgMessageStore(sql: Sql, options: PgMessageStoreOptions): MessageStore {
  const { historyMax, clock, headChannel } = options;
  const pageSize = options.pageSize ?? 50;
  const maxAttempts = options.maxAttempts ?? 100;
  const unusedRoomTtlMs = options.unusedRoomTtlMs ?? 24 * 60 * 60 * 1000;
  const committedHeads = new Map<string, number>();

  const readHead = async (room: string): Promise<number> => {
    const [row] = await sql<{ head: number }[]>`select head from room_heads where room = ${room}`;
    return row?.head ?? 0;
  };

  /** Kept messages with `after < seq < before`, oldest first, at most `limit` (default all). */
  const readRows = async (
    room: string,
    after: number,
    before: number,
    order: { from: "newest" | "oldest"; limit?: number },
  ): Promise<Message[]> => {
    if (before <= after + 1) return [];
    const direction = order.from === "newest" ? sql`desc` : sql`asc`;
    const limit = order.limit === undefined ? sql`` : sql`limit ${order.limit}`;
    const rows = await sql<MessageRow[]>`
      select room, seq, id, cid, user_id, user_name, user_role, text, ts from room_messages
      where room = ${room} and seq > ${after} and seq < ${before}
      order by seq ${direction} ${limit}`;
    return rows.map(messageOf);
  };

  /** A page of kept messages with `after < seq < before` read from its `from` end. */
  const readPage = async (
    room: string,
    after: number,
    before: number,
    size: PageSize & { from: "newest" | "oldest" },
  ): Promise<HistoryPage> => {
    // One more than the page holds, to know whether more are kept.
    const rows = await readRows(room, after, before, { from: size.from, limit: size.limit + 1 });
    return await fillPage(rows, size, size.from);
  };

  const readRange = (room: string, after: number, before: number) =>
    readRows(room, after, before, { from: "oldest" });

  const reads = createLogReads({ historyMax, pageSize, readHead, readPage, readRange });

  /**
   * Locks the room's head row (creating it at 0) and reads the head, in one
   * statement: the row cannot vanish between a create and a lock (the prune
   * of unused rooms deletes rows with head 0).
   */
  const lockHead = async (tx: TransactionSql, room: string): Promise<number> => {
    const [row] = await tx<{ head: number }[]>`
      insert into room_heads (room) values (${room})
      on conflict (room) do update set head = room_heads.head
      returning head`;
    return row.head;
  };

  /** The batch's cids that already have a receipt younger than 24 h, by user and cid. */
  const freshReceipts = async (tx: TransactionSql, inputs: CommitInput[], now: number) => {
    const rows = await tx<
      { user_id: string; cid: string; room: string; seq: number; ts: number }[]
    >`
      select user_id, cid, room, seq, ts from send_receipts
      where (user_id, cid) in (
        select * from unnest(${inputs.map((input) => input.user.id)}::text[],
                             ${inputs.map((input) => encodeText(input.cid))}::text[]))
        and ts > ${now - CID_TTL_MS}`;
    const receipts = new Map<string, Receipt>();
    for (const row of rows) {
      const cid = decodeText(row.cid);
      receipts.set(cidKey(row.user_id, cid), { cid, room: row.room, seq: row.seq, ts: row.ts });
    }
    return receipts;
  };

  /** One transaction for the batch. */
  const commitIn = async (
    tx: TransactionSql,
    room: string,
    inputs: CommitInput[],
  ): Promise<CommitResult[]> => {
    const now = clock.now();
    let seq = await lockHead(tx, room);
    const earlier = await freshReceipts(tx, inputs, now);
    const created: Message[] = [];
    const results = inputs.map((input): CommitResult => {
      const key = cidKey(input.user.id, input.cid);
      const receipt = earlier.get(key);
      if (receipt) return { created: false, receipt };
      seq += 1;
      const message: Message = {
        room,
        seq,
        id: crypto.randomUUID(),
        cid: input.cid,
        user: { id: input.user.id, name: input.user.name, role: input.user.role },
        text: input.text,
        ts: now,
      };
      const made: Receipt = { cid: input.cid, room, seq, ts: now };
      // A cid twice in one batch: the second gets the first's receipt.
      earlier.set(key, made);
      created.push(message);
      return { created: true, receipt: made, message };
    });
    if (created.length === 0) return results;

    const column = <T>(pick: (message: Message) => T) => created.map(pick);
    // Receipts are claimed in key order, so that two commits claiming the same cids (one user
    // sending to two rooms at once) wait for each other instead of deadlocking.
    const claimed = await tx`
      insert into send_receipts (user_id, cid, room, seq, ts)
      select user_id, cid, ${room}, seq, ${now}::bigint from unnest(
        ${column((m) => m.user.id)}::text[],
        ${column((m) => encodeText(m.cid))}::text[],
        ${column((m) => m.seq)}::bigint[]) as batch (user_id, cid, seq)
      order by user_id, cid
      on conflict (user_id, cid) do update
        set room = excluded.room, seq = excluded.seq, ts = excluded.ts
        where send_receipts.ts <= ${now - CID_TTL_MS}
      returning 1`;
    if (claimed.length !== created.length) throw new CidClaimedMeanwhile();
    await tx`
      insert into room_messages (room, seq, id, cid, user_id, user_name, user_role, text, ts)
      select ${room}, seq, id, cid, user_id, user_name, user_role, text, ${now}::bigint from unnest(
        ${column((m) => m.seq)}::bigint[],
        ${column((m) => m.id)}::text[],
        ${column((m) => encodeText(m.cid))}::text[],
        ${column((m) => m.user.id)}::text[],
        ${column((m) => m.user.name)}::text[],
        ${column((m) => m.user.role)}::text[],
        ${column((m) => encodeText(m.text))}::text[]
      ) as batch (seq, id, cid, user_id, user_name, user_role, text)`;
    await tx`update room_heads set head = ${seq}, unused_until = null where room = ${room}`;
    if (headChannel) await tx`select pg_notify(${headChannel}, ${`${seq} ${room}`})`;
    if (seq > historyMax) {
      await tx`delete from room_messages where room = ${room} and seq <= ${seq - historyMax}`;
    }
    return results;
  };

  /**
   * KV forgets receipts and unused rooms by itself (`expireIn`); here the
   * commits delete them, a bounded batch at most once a minute, so the tables
   * stay the size of a day's sends without a job to schedule. A failed prune
   * is left for the next one: the commit before it has already succeeded.
   */
  let prunedAt = -Infinity;
  const pruneExpired = async () => {
    const now = clock.now();
    if (now - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now;
    try {
      await sql`
        delete from send_receipts where (user_id, cid) in (
          select user_id, cid from send_receipts where ts <= ${now - CID_TTL_MS}
          limit ${PRUNE_BATCH})`;
      await sql`
        delete from room_heads where room in (
          select room from room_heads where head = 0 and unused_until <= ${now}
          limit ${PRUNE_BATCH})
        and head = 0 and unused_until <= ${now}`;
    } catch {
      prunedAt = -Infinity;
    }
  };

  const writeBatch = async (room: string, inputs: CommitInput[]): Promise<CommitResult[]> => {
    for (let attempt = 1;; attempt++) {
      try {
        const results = await sql.begin((tx) => commitIn(tx, room, inputs));
        const top = results.reduce((max, result) => Math.max(max, result.receipt.seq), 0);
        if (results.some((result) => result.created)) {
          committedHeads.set(room, Math.max(committedHeads.get(room) ?? 0, top));
        }
        await pruneExpired();
        return results;
      } catch (error) {
        if (!(error instanceof CidClaimedMeanwhile)) throw error;
        if (attempt >= maxAttempts) {
          throw new Error(`commit to room "${room}" kept conflicting (${maxAttempts} attempts)`);
        }
      }
    }
  };

  const commit = createCommitQueue({
    maxBatch: options.maxBatch ?? 32,
    maxBatchBytes: MAX_BATCH_BYTES,
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the rest of a row is small.
    sizeOf: (input) => input.text.length * 3 + 256,
    write: writeBatch,
  });

  return {
    commit,

    history: reads.history,

    since: reads.since,

    async latest(room) {
      const head = await readHead(room);
      return { head, recovered: true, messages: await reads.readNewest(room, head), more: false };
    },

    range: reads.range,

    head: readHead,

    committedHead: (room) => committedHeads.get(room) ?? 0,

    async ensureRoom(room) {
      const until = clock.now() + unusedRoomTtlMs;
      await sql`
        insert into room_heads (room, head, unused_until) values (${room}, 0, ${until})
        on conflict (room) do update set unused_until = excluded.unused_until
          where room_heads.head = 0`;
    },

    async exists(room) {
      const rows = await sql`
        select 1 from room_heads
        where room = ${room} and (head > 0 or unused_until > ${clock.now()})`;
      return rows.length === 1;
    },

    async rooms({ after, limit, skip }) {
      // `starts_with` on a "C"-collated column: byte order, as KV lists keys.
      const skipped = skip === undefined ? sql`` : sql`and not starts_with(room, ${skip})`;
      const rows = await sql<{ room: string }[]>`
        select room from room_heads
        where room > ${after ?? ""} and (head > 0 or unused_until > ${clock.now()}) ${skipped}
        order by room limit ${limit}`;
      const names = rows.map((row) => row.room);
      return { names, next: names.length === limit ? names[limit - 1] : null };
    },

    async pruneReceipts() {
      const removed = await sql`delete from send_receipts where ts <= ${clock.now() - CID_TTL_MS}`;
      return removed.count;
    },
  };
}

/** One map key for a user's cid. */
function cidKey(userId: string, cid: string): string {
  return JSON.stringify([userId, cid]);
}

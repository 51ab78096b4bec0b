/**
 * Reads the other instances' streams (`cluster_stream`, which `pg_outbox.ts`
 * writes): for each live instance, the records after the last seq read from
 * it, in order, every sender in one query of at most {@linkcode READ_LIMIT}
 * records (another follows while there are more). A `switchboard_stream`
 * notification wakes it; one read runs at a time, and a wake during a read
 * makes it read once more, so a burst of notifications costs two reads, not
 * one per record.
 *
 * A sender's seqs rise by exactly 1. A record read whose seq is not the next
 * one means records were missed (this instance fell more than the retention
 * behind): `onGap` is told before the record is handled, and the share values
 * are reloaded from `cluster_shares`, so only events can be lost that way,
 * and the log says so.
 *
 * A sender that is gone and comes back (its heartbeat lapsed while
 * PostgreSQL was unreachable) is read on from where it was left, not again
 * from its first record.
 *
 * @example
 * ```ts
 * const reader = createPgStreamReader({ sql, senders: () => registry.live(), onRecord, onGap, onError });
 * await reader.startAt("b1c2d3e4f5a6", "latest"); // a sender alive when this instance started
 * reader.wake(); // a notification on the stream channel
 * ```
 */
import type { Sql } from "../../postgres/mod.ts";
import { createCoalescedRun } from "../coalesced_run.ts";

/** Options of {@linkcode createPgStreamReader}. */
export interface PgStreamReaderOptions {
  sql: Sql;
  /** The instances to read, this one excluded. */
  senders(): string[];
  /** A record of `sender`, in seq order (its JSON parsed). */
  onRecord(sender: string, record: unknown): void;
  /** `missed` records of `sender` before the next one are gone; resolves once the shares are reloaded. */
  onGap(sender: string, missed: number): Promise<void>;
  onError(error: unknown): void;
}

/** The reader of one instance. */
export interface PgStreamReader {
  /**
   * Starts reading `sender`: after its newest record (`latest`: what came
   * before is in its share values), from its first (`first`), or on from
   * where it was left if it was read before.
   */
  startAt(sender: string, from: "latest" | "first"): Promise<void>;
  /** Stops reading a sender that is gone (its place is remembered). */
  forget(sender: string): void;
  /** Reads every sender's new records. */
  wake(): void;
  /** Resolves once the reads asked for so far are done. */
  idle(): Promise<void>;
}

/** Most records one query reads. */
const READ_LIMIT = 500;
/** Senders whose place is remembered after they are gone; the oldest is forgotten first. */
const LEFT_MAX = 1_000;

/** Creates the reader of one instance. */
export function createPgStreamReader(options: PgStreamReaderOptions): PgStreamReader {
  const { sql, senders, onRecord, onGap, onError } = options;
  /** sender → the last seq handled, while it is read. */
  const cursors = new Map<string, number>();
  /** sender → the last seq handled, for senders forgotten (they may come back). */
  const left = new Map<string, number>();

  const newestSeq = async (sender: string): Promise<number> => {
    const [row] = await sql<{ seq: number | null }[]>`
      select max(seq) as seq from cluster_stream where sender = ${sender}`;
    return row?.seq ?? 0;
  };

  /** Reads one query's worth; true when there may be more. */
  const readOnce = async (): Promise<boolean> => {
    const reading = senders().filter((sender) => cursors.has(sender));
    if (reading.length === 0) return false;
    const rows = await sql<{ sender: string; seq: number; items: string }[]>`
      select s.sender, s.seq, s.items from cluster_stream s
      join unnest(${reading}::text[], ${reading.map((sender) => cursors.get(sender)!)}::bigint[])
        as c (sender, cursor) on s.sender = c.sender and s.seq > c.cursor
      order by s.sender, s.seq
      limit ${READ_LIMIT}`;
    for (const { sender, seq, items } of rows) {
      const cursor = cursors.get(sender);
      if (cursor === undefined || seq <= cursor) continue; // forgotten meanwhile, or read already
      if (seq !== cursor + 1) await onGap(sender, seq - cursor - 1);
      if (!cursors.has(sender)) continue;
      cursors.set(sender, seq);
      let record: unknown;
      try {
        record = JSON.parse(items);
      } catch {
        onError(new Error(`cluster: record ${seq} of ${sender} is not JSON`));
        continue;
      }
      onRecord(sender, record);
    }
    return rows.length === READ_LIMIT;
  };

  const reads = createCoalescedRun(async () => {
    while (await readOnce()) {
      // More than one query's worth was waiting.
    }
  }, onError);

  return {
    async startAt(sender, from) {
      const remembered = left.get(sender);
      left.delete(sender);
      cursors.set(
        sender,
        remembered ?? (from === "latest" ? await newestSeq(sender) : 0),
      );
    },
    forget(sender) {
      const cursor = cursors.get(sender);
      if (cursor !== undefined) left.set(sender, cursor);
      cursors.delete(sender);
      if (left.size > LEFT_MAX) left.delete(left.keys().next().value!);
    },
    wake: reads.wake,
    idle: reads.idle,
  };
}

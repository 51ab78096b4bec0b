/**
 * What one instance of the postgres engine writes for the others, grouped
 * into as few transactions as it can: one as soon as something is queued,
 * and whatever is queued while it is in flight goes into the next. A
 * transaction holds
 *
 * - one stream record (`cluster_stream`): the events and share changes
 *   queued, in order, under this instance's next seq (seqs rise by exactly 1,
 *   so a reader sees a gap);
 * - the share values those changes set or remove (`cluster_shares`: what a
 *   reader that starts, or finds a gap, reads instead of the stream);
 * - the mails queued (`cluster_mail`), each under this instance's next mail seq;
 * - a `NOTIFY` on the stream channel, and on each addressee's mail channel.
 *
 * PostgreSQL sends the notifications at commit, so nobody is woken before
 * what woke them can be read. A transaction that fails (PostgreSQL
 * restarting) is tried again, with the same seqs, until it passes: nothing
 * reliable is dropped, and a record is never skipped; if the failed attempt
 * had in fact committed (the answer was lost), the retry finds its record and
 * stops, so nothing is written twice. Ephemeral events (typing) are dropped
 * instead when more than `maxQueued` items wait. A record or mail is JSON in
 * a `text` column, so its size is bounded only by what the server lets in
 * (a fallback POST's body); the notifications carry ids only.
 *
 * Records older than {@linkcode STREAM_RETENTION_MS} are deleted by their
 * sender, at most once per retention.
 *
 * @example
 * ```ts
 * const outbox = createPgOutbox({ sql, clock, instance, onError });
 * outbox.event("admin_kick", { user_id: "user:ada" }, false);
 * outbox.share("presence", [["general user:ada", { name: "ada", connections: 1 }]]);
 * outbox.mail("b1c2d3e4f5a6", "fallback.post", post);
 * await outbox.flushed();
 * ```
 */
import type { Clock } from "../../../time/clock.ts";
import { encodeText, type Sql, type TransactionSql } from "../../postgres/mod.ts";
import {
  createOutboxQueue,
  type OutboxBatch,
  type OutboxQueue,
  type StreamItem,
} from "../outbox_queue.ts";
import { mailChannel, STREAM_CHANNEL } from "./pg_channels.ts";

/** How long stream records are kept: a reader further behind reloads the shares. */
export const STREAM_RETENTION_MS = 60_000;

/** Options of {@linkcode createPgOutbox}. */
export interface PgOutboxOptions {
  sql: Sql;
  clock: Clock;
  instance: string;
  /** A failed transaction (it is tried again). */
  onError: (error: unknown) => void;
  /** Items waiting beyond which ephemeral events are dropped. Default 10 000. */
  maxQueued?: number;
  /** The pause before a failed transaction is tried again. Default 250 ms (real time). */
  retryMs?: number;
}

/** Characters of JSON one transaction carries at most (a larger item goes alone). */
const MAX_BATCH_CHARS = 1_000_000;

/** Creates the outbox of one instance. */
export function createPgOutbox(options: PgOutboxOptions): OutboxQueue {
  const { sql, clock, instance, onError } = options;
  const retryMs = options.retryMs ?? 250;
  let prunedAt = -Infinity;
  let wakeRetry: (() => void) | null = null;

  /** The batch's last value of each share key, by space: what the table must hold. */
  const latestShares = (items: StreamItem[]) => {
    const latest = new Map<string, { space: string; key: string; value: unknown }>();
    for (const item of items) {
      if (item.kind !== "share") continue;
      for (const [key, value] of item.changes) {
        latest.set(JSON.stringify([item.space, key]), { space: item.space, key, value });
      }
    }
    return [...latest.values()];
  };

  const writeShares = async (tx: TransactionSql, items: StreamItem[]) => {
    const changes = latestShares(items);
    const removed = changes.filter((change) => change.value === null);
    const set = changes.filter((change) => change.value !== null);
    if (removed.length > 0) {
      await tx`
        delete from cluster_shares where instance = ${instance} and (space, key) in (
          select * from unnest(${removed.map((change) => encodeText(change.space))}::text[],
                               ${removed.map((change) => encodeText(change.key))}::text[]))`;
    }
    if (set.length > 0) {
      await tx`
        insert into cluster_shares (instance, space, key, value)
        select ${instance}, space, key, value from unnest(
          ${set.map((change) => encodeText(change.space))}::text[],
          ${set.map((change) => encodeText(change.key))}::text[],
          ${set.map((change) => JSON.stringify(change.value))}::text[]) as batch (space, key, value)
        on conflict (instance, space, key) do update set value = excluded.value`;
    }
  };

  const write = async ({ items, recordSeq, mails }: OutboxBatch) => {
    const now = clock.now();
    await sql.begin(async (tx) => {
      if (items.length > 0) {
        const written = await tx`
          insert into cluster_stream (sender, seq, items, at)
          values (${instance}, ${recordSeq}, ${JSON.stringify({ items })}, ${now})
          on conflict (sender, seq) do nothing
          returning 1`;
        // The record is there already: an earlier attempt committed, its answer was lost.
        if (written.length === 0) return;
        await writeShares(tx, items);
        await tx`select pg_notify(${STREAM_CHANNEL}, ${instance})`;
      }
      if (mails.length === 0) return;
      await tx`
        insert into cluster_mail (sender, mail_seq, recipient, mail, at)
        select ${instance}, mail_seq, recipient, mail, ${now}::bigint from unnest(
          ${mails.map((queued) => queued.mailSeq)}::bigint[],
          ${mails.map((queued) => queued.to)}::text[],
          ${mails.map((queued) => JSON.stringify(queued.mail))}::text[]
        ) as batch (mail_seq, recipient, mail)
        on conflict (sender, mail_seq) do nothing`;
      for (const to of new Set(mails.map((queued) => queued.to))) {
        await tx`select pg_notify(${mailChannel(to)}, ${instance})`;
      }
    });
    await pruneOwnRecords().catch(onError);
  };

  const pruneOwnRecords = async () => {
    const now = clock.now();
    if (now - prunedAt < STREAM_RETENTION_MS) return;
    prunedAt = now;
    await sql`
      delete from cluster_stream where sender = ${instance} and at < ${now - STREAM_RETENTION_MS}`;
  };

  return createOutboxQueue({
    sizeOf: (value) => JSON.stringify(value).length + 64,
    maxBatchChars: MAX_BATCH_CHARS,
    maxQueued: options.maxQueued,
    write,
    pauseAfter(error) {
      onError(error);
      return new Promise<void>((resolve) => {
        wakeRetry = resolve;
        setTimeout(resolve, retryMs);
      });
    },
    interruptPause: () => wakeRetry?.(),
  });
}

/**
 * What one instance of the kv engine writes for the others, grouped into as
 * few commits as it can: one commit as soon as something is queued, and
 * whatever is queued while it is in flight goes into the next. A commit holds
 *
 * - one stream record: the events and share changes queued, in order, under
 *   this instance's next seq (seqs rise by exactly 1, so readers see a gap);
 * - the share values those changes set or remove (what a reader that starts,
 *   or finds a gap, reads instead of the stream);
 * - the mails queued, each under its addressee's mailbox;
 * - a bump of each signal that must wake someone (the stream's, each
 *   addressee's mailbox).
 *
 * A commit that fails is tried again, with the same seq, until it passes:
 * nothing reliable is dropped, and a record is never skipped. Ephemeral
 * events (typing) are dropped instead when more than `maxQueued` items wait.
 * A mail too large for one commit (a fallback POST of a burst of full
 * frames) goes alone: its later parts first, its first part and the wake-up
 * last, so its addressee never reads it half written. Events and share values
 * are far smaller than a commit.
 *
 * @example
 * ```ts
 * const outbox = createKvOutbox({ kv, instance, onError });
 * outbox.event("admin_kick", { user_id: "user:ada" }, false);
 * outbox.share("presence", [["general user:ada", { name: "ada", connections: 1 }]]);
 * outbox.mail("b1c2d3e4f5a6", "fallback.post", post);
 * await outbox.flushed();
 * ```
 */
import { contentionPause, isLockedError } from "../../store/mod.ts";
import {
  createOutboxQueue,
  type Mail,
  type OutboxBatch,
  type OutboxQueue,
  type QueuedWrite,
  type StreamRecord,
} from "../outbox_queue.ts";
import type { ShareEntry } from "../shares_core.ts";
import {
  mailboxSignal,
  mailPrefix,
  sharePrefix,
  STREAM_RETENTION_MS,
  STREAM_SIGNAL,
  streamPrefix,
} from "./kv_keys.ts";
import { PART_CHARS, piecesOf, setParts } from "./kv_parts.ts";

/** Options of {@linkcode createKvOutbox}. */
export interface KvOutboxOptions {
  kv: Deno.Kv;
  instance: string;
  /** A failed commit (it is tried again). */
  onError: (error: unknown) => void;
  /** Items waiting beyond which ephemeral events are dropped. Default 10 000. */
  maxQueued?: number;
}

/** Room for keys and the record around the values, per commit (KV takes 800 KiB). */
const MAX_COMMIT_CHARS = 200_000;
/** Mutations per commit, well below KV's 1 000. */
const MAX_COMMIT_MUTATIONS = 400;

/** Creates the outbox of one instance. */
export function createKvOutbox(options: KvOutboxOptions): OutboxQueue {
  const { kv, instance, onError } = options;
  /** Parts each share value was last written in, to delete the ones a shorter value leaves. */
  const shareParts = new Map<string, number>();

  const writeBatch = async ({ items, recordSeq, mails }: OutboxBatch) => {
    const operation = kv.atomic();
    if (items.length > 0) {
      setParts(
        operation,
        [...streamPrefix(instance), recordSeq],
        { items } satisfies StreamRecord,
        { expireIn: STREAM_RETENTION_MS },
      );
      operation.sum(STREAM_SIGNAL, 1n);
      for (const item of items) {
        if (item.kind === "share") writeShares(operation, item.space, item.changes);
      }
    }
    for (const { to, mail, mailSeq } of mails) {
      setParts(operation, [...mailPrefix(to), instance, mailSeq], mail, {
        expireIn: STREAM_RETENTION_MS,
      });
      operation.sum(mailboxSignal(to), 1n);
    }
    await operation.commit();
  };

  const writeShares = (operation: Deno.AtomicOperation, space: string, changes: ShareEntry[]) => {
    for (const [key, value] of changes) {
      const base = [...sharePrefix(instance), space, key];
      const id = JSON.stringify([space, key]);
      const before = shareParts.get(id) ?? 0;
      const after = value === null ? 0 : setParts(operation, base, value);
      for (let part = after; part < before; part++) operation.delete([...base, part]);
      if (after === 0) shareParts.delete(id);
      else shareParts.set(id, after);
    }
  };

  /** Writes the parts of a mail too large for one commit, its first part last. */
  const writeLargeMail = async (to: string, mail: Mail, mailSeq: number) => {
    const base = [...mailPrefix(to), instance, mailSeq];
    const pieces = piecesOf(mail);
    const perCommit = Math.max(1, Math.floor(MAX_COMMIT_CHARS / PART_CHARS));
    for (let start = 1; start < pieces.length; start += perCommit) {
      const operation = kv.atomic();
      pieces.slice(start, start + perCommit).forEach((piece, offset) =>
        operation.set([...base, start + offset], piece, { expireIn: STREAM_RETENTION_MS })
      );
      await operation.commit();
    }
    const operation = kv.atomic();
    operation.set([...base, 0], { parts: pieces.length, text: pieces[0] }, {
      expireIn: STREAM_RETENTION_MS,
    });
    await operation.sum(mailboxSignal(to), 1n).commit();
  };

  return createOutboxQueue({
    sizeOf,
    maxBatchChars: MAX_COMMIT_CHARS,
    operations: { max: MAX_COMMIT_MUTATIONS, base: 2, of: mutationsOf },
    maxQueued: options.maxQueued,
    write(batch) {
      const [only] = batch.mails;
      const large = batch.writes.length === 1 && only && only.size > MAX_COMMIT_CHARS;
      return large ? writeLargeMail(only.to, only.mail, only.mailSeq) : writeBatch(batch);
    },
    async pauseAfter(error, attempt) {
      if (!isLockedError(error)) onError(error);
      await contentionPause(Math.min(attempt, 10));
    },
  });
}

/** The KV mutations one queued write adds to a commit. */
function mutationsOf(queued: QueuedWrite): number {
  if (queued.kind === "mail") return 3;
  return 2 + (queued.item.kind === "share" ? 2 * queued.item.changes.length : 0);
}

/** About how many characters an item adds to a commit. */
function sizeOf(value: unknown): number {
  return piecesOf(value).reduce((total, piece) => total + piece.length, 0) + 64;
}

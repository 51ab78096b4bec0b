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
 * outbox.share("presence", "general user:ada", { name: "ada", connections: 1 });
 * outbox.mail("b1c2d3e4f5a6", "fallback.post", post);
 * await outbox.flushed();
 * ```
 */
import { contentionPause, isLockedError } from "../../store/mod.ts";
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

/** One item of a stream record. */
export type StreamItem =
  | { kind: "event"; topic: string; data: unknown }
  | { kind: "share"; space: string; changes: ShareEntry[] };

/** A stream record as written. */
export interface StreamRecord {
  items: StreamItem[];
}

/** A mail as written. */
export interface Mail {
  topic: string;
  data: unknown;
}

/** Options of {@linkcode createKvOutbox}. */
export interface KvOutboxOptions {
  kv: Deno.Kv;
  instance: string;
  /** A failed commit (it is tried again). */
  onError: (error: unknown) => void;
  /** Items waiting beyond which ephemeral events are dropped. Default 10 000. */
  maxQueued?: number;
}

/** The writer of one instance. */
export interface KvOutbox {
  event(topic: string, data: unknown, ephemeral: boolean): void;
  share(space: string, changes: ShareEntry[]): void;
  mail(to: string, topic: string, data: unknown): void;
  /** Resolves once everything queued so far is committed. */
  flushed(): Promise<void>;
  /** The seq of the last record committed (0 before the first). */
  readonly committedSeq: number;
  /** Stops after the commit in flight; queued items are not written. */
  close(): Promise<void>;
}

/** One queued item, with what the writer needs to decide. */
type Queued =
  | { kind: "item"; item: StreamItem; ephemeral: boolean; size: number }
  | { kind: "mail"; to: string; mail: Mail; size: number };

/** Room for keys and the record around the values, per commit (KV takes 800 KiB). */
const MAX_COMMIT_CHARS = 200_000;
/** Mutations per commit, well below KV's 1 000. */
const MAX_COMMIT_MUTATIONS = 400;

/** Creates the outbox of one instance. */
export function createKvOutbox(options: KvOutboxOptions): KvOutbox {
  const { kv, instance, onError } = options;
  const maxQueued = options.maxQueued ?? 10_000;
  let queue: Queued[] = [];
  let seq = 0;
  let mailSeq = 0;
  /** Parts each share value was last written in, to delete the ones a shorter value leaves. */
  const shareParts = new Map<string, number>();
  let running: Promise<void> | null = null;
  let closed = false;

  const enqueue = (queued: Queued) => {
    if (closed) return;
    queue.push(queued);
    if (queue.length > maxQueued) {
      queue = queue.filter((entry) => entry.kind !== "item" || !entry.ephemeral);
    }
    running ??= run();
  };

  /** Takes the next commit's worth of the queue. */
  const takeBatch = (): Queued[] => {
    let chars = 0;
    let mutations = 2;
    let count = 0;
    for (const queued of queue) {
      const itemMutations = queued.kind === "mail" ? 3 : 2 + itemShareCount(queued.item);
      if (
        count > 0 && (chars + queued.size > MAX_COMMIT_CHARS ||
          mutations + itemMutations > MAX_COMMIT_MUTATIONS)
      ) break;
      chars += queued.size;
      mutations += itemMutations;
      count++;
    }
    return queue.splice(0, count);
  };

  const write = async (batch: Queued[], recordSeq: number, mailSeqs: number[]) => {
    const operation = kv.atomic();
    const items = batch.flatMap((queued) => queued.kind === "item" ? [queued.item] : []);
    if (items.length > 0) {
      setParts(
        operation,
        [...streamPrefix(instance), recordSeq],
        { items } satisfies StreamRecord,
        {
          expireIn: STREAM_RETENTION_MS,
        },
      );
      operation.sum(STREAM_SIGNAL, 1n);
      for (const item of items) {
        if (item.kind === "share") writeShares(operation, item.space, item.changes);
      }
    }
    let mailIndex = 0;
    for (const queued of batch) {
      if (queued.kind !== "mail") continue;
      const base = [...mailPrefix(queued.to), instance, mailSeqs[mailIndex++]];
      setParts(operation, base, queued.mail, { expireIn: STREAM_RETENTION_MS });
      operation.sum(mailboxSignal(queued.to), 1n);
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
  const writeLargeMail = async (queued: Queued & { kind: "mail" }, seqOfMail: number) => {
    const base = [...mailPrefix(queued.to), instance, seqOfMail];
    const pieces = piecesOf(queued.mail);
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
    await operation.sum(mailboxSignal(queued.to), 1n).commit();
  };

  /** Writes one batch, trying again until it is written or the outbox closes. */
  const commitBatch = async (batch: Queued[]) => {
    const hasRecord = batch.some((queued) => queued.kind === "item");
    const recordSeq = hasRecord ? seq + 1 : seq;
    const mailSeqs = batch.filter((queued) => queued.kind === "mail").map(() => ++mailSeq);
    const [only] = batch;
    const large = batch.length === 1 && only.kind === "mail" && only.size > MAX_COMMIT_CHARS;
    for (let attempt = 0; !closed; attempt++) {
      try {
        if (large) await writeLargeMail(only, mailSeqs[0]);
        else await write(batch, recordSeq, mailSeqs);
        seq = recordSeq;
        return;
      } catch (error) {
        if (!isLockedError(error)) onError(error);
        await contentionPause(Math.min(attempt, 10));
      }
    }
  };

  const run = async () => {
    while (queue.length > 0 && !closed) await commitBatch(takeBatch());
    running = null;
  };

  return {
    event(topic, data, ephemeral) {
      const item: StreamItem = { kind: "event", topic, data };
      enqueue({ kind: "item", item, ephemeral, size: sizeOf(item) });
    },
    share(space, changes) {
      const item: StreamItem = { kind: "share", space, changes };
      enqueue({ kind: "item", item, ephemeral: false, size: 2 * sizeOf(item) });
    },
    mail(to, topic, data) {
      const mail: Mail = { topic, data };
      enqueue({ kind: "mail", to, mail, size: sizeOf(mail) });
    },
    async flushed() {
      while (running) await running;
    },
    get committedSeq() {
      return seq;
    },
    async close() {
      closed = true;
      await running;
    },
  };
}

function itemShareCount(item: StreamItem): number {
  return item.kind === "share" ? 2 * item.changes.length : 0;
}

/** About how many characters an item adds to a commit. */
function sizeOf(value: unknown): number {
  return piecesOf(value).reduce((total, piece) => total + piece.length, 0) + 64;
}

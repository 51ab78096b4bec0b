/**
 * Reads the other instances' streams (`kv_outbox.ts` writes them): for each
 * live instance, the records after the last seq read from it, in order. The
 * stream signal wakes it; one read runs at a time, and a wake during a read
 * makes it read once more, so a burst of wakes costs one read per sender, not
 * one per record.
 *
 * A sender's seqs rise by exactly 1. A record read whose seq is not the next
 * one means records were missed (this instance fell more than the retention
 * behind, or started reading a sender late): `onGap` is told before the
 * record is handled, and the share values are reloaded from where they are
 * kept, so only events can be lost that way, and the log says so.
 *
 * @example
 * ```ts
 * const reader = createKvStreamReader({ kv, senders: () => registry.live(), onRecord, onGap, onError });
 * await reader.startAt("b1c2d3e4f5a6", "latest"); // a sender alive when this instance started
 * reader.wake(); // the stream signal moved
 * ```
 */
import type { StreamRecord } from "../outbox_queue.ts";
import { streamPrefix } from "./kv_keys.ts";
import { readWholes } from "./kv_parts.ts";
import { createCoalescedRun } from "../coalesced_run.ts";

/** Options of {@linkcode createKvStreamReader}. */
export interface KvStreamReaderOptions {
  kv: Deno.Kv;
  /** The instances to read, this one excluded. */
  senders(): string[];
  /** A record of `sender`, in seq order. */
  onRecord(sender: string, record: StreamRecord): void;
  /** `missed` records of `sender` before the next one are gone; resolves once the shares are reloaded. */
  onGap(sender: string, missed: number): Promise<void>;
  onError(error: unknown): void;
}

/** The reader of one instance. */
export interface KvStreamReader {
  /**
   * Starts reading `sender` after its newest record (`latest`: what came
   * before is in its share values), or from its first (`first`).
   */
  startAt(sender: string, from: "latest" | "first"): Promise<void>;
  /** Stops reading a sender that is gone. */
  forget(sender: string): void;
  /** Reads every sender's new records (the stream signal moved). */
  wake(): void;
  /** Resolves once the reads asked for so far are done. */
  idle(): Promise<void>;
}

/** Key parts before a record's part index: `["cluster", "stream", id, seq]`. */
const RECORD_BASE_LENGTH = 4;

/** Creates the reader of one instance. */
export function createKvStreamReader(options: KvStreamReaderOptions): KvStreamReader {
  const { kv, senders, onRecord, onGap, onError } = options;
  /** sender → the last seq handled, once reading it started. */
  const cursors = new Map<string, Promise<number> | number>();

  const newestSeq = async (sender: string): Promise<number> => {
    for await (
      const { key } of kv.list({ prefix: streamPrefix(sender) }, { reverse: true, limit: 1 })
    ) {
      return Number(key[RECORD_BASE_LENGTH - 1]);
    }
    return 0;
  };

  const readSender = async (sender: string) => {
    let cursor = await (cursors.get(sender) ?? 0);
    const start = [...streamPrefix(sender), cursor + 1];
    const listed = kv.list({ prefix: streamPrefix(sender), start });
    for (const { base, value } of await readWholes(listed, RECORD_BASE_LENGTH)) {
      const seq = Number(base[RECORD_BASE_LENGTH - 1]);
      if (seq <= cursor) continue;
      if (seq !== cursor + 1) await onGap(sender, seq - cursor - 1);
      cursor = seq;
      if (!cursors.has(sender)) return; // forgotten meanwhile
      cursors.set(sender, cursor);
      onRecord(sender, value as StreamRecord);
    }
  };

  const readAll = async () => {
    await Promise.all(senders().map((sender) => readSender(sender).catch(onError)));
  };

  const reads = createCoalescedRun(readAll, onError);

  return {
    async startAt(sender, from) {
      const cursor = from === "latest" ? newestSeq(sender) : Promise.resolve(0);
      cursors.set(sender, cursor);
      cursors.set(sender, await cursor);
    },
    forget: (sender) => void cursors.delete(sender),
    wake: reads.wake,
    idle: reads.idle,
  };
}

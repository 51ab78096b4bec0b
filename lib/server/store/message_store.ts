/**
 * The room log: every message committed to Deno KV with the room's next seq,
 * exactly once, before anyone sees it.
 *
 * A commit is one atomic operation that checks the room head's versionstamp,
 * writes the message at `head + 1`, moves the head, records the sender's cid
 * (for 24 h), prunes the message that fell out of retention and, when asked
 * (`headSignal`), bumps the key that tells watchers the head moved. If another
 * committer (another isolate, another instance, another KV handle) moved the
 * head first, the check fails and the commit is retried on the new head, so
 * seqs have no gaps and no duplicates. Commits for one room that arrive while
 * an operation is in flight are grouped into the next one, which keeps a busy
 * room from retrying against itself. The key layout is documented in
 * `keys.ts`.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * const store = createMessageStore(kv, { historyMax: 10_000, clock: createSystemClock() });
 * const user = { id: "u1", name: "ada" };
 * const first = await store.commit({ room: "general", user, text: "hi", cid: "c1" });
 * first.receipt.seq; // 1
 * const retry = await store.commit({ room: "general", user, text: "hi", cid: "c1" });
 * retry.created; // false, and retry.receipt equals first.receipt
 * ```
 */
import type { Message, PublicUser, Role } from "../../protocol/mod.ts";
import type { Clock } from "../../time/clock.ts";
import {
  ROOM_HEAD_PREFIX,
  ROOM_UNUSED_PREFIX,
  roomHeadKey,
  roomMessageKey,
  roomMessagesPrefix,
  roomUnusedKey,
  SEND_CID_PREFIX,
  sendCidKey,
} from "./keys.ts";
import { contentionPause, isLockedError, retryWhenLocked } from "./kv_retry.ts";
import { createCommitQueue } from "./commit_queue.ts";
import { fillPage } from "./page_reader.ts";
import { createLogReads } from "./log_reads.ts";

/**
 * A stored message as the log serves it. Messages stored before users carried
 * their role have none: a `guest:` id was a guest, any other an account
 * (`user`; whether it was an administrator then is not known).
 */
export function withAuthorRole(message: Message): Message {
  if (message.user.role !== undefined) return message;
  return { ...message, user: { ...message.user, role: legacyAuthorRole(message.user.id) } };
}

/** The role of the author `userId` of a message stored without one. */
export function legacyAuthorRole(userId: string): Role {
  return userId.startsWith("guest:") ? "guest" : "user";
}

/** How long a cid is remembered: a retry within this window creates nothing. */
export const CID_TTL_MS = 24 * 60 * 60 * 1000;

/** What a client sends, with the author taken from its session. */
export interface CommitInput {
  room: string;
  user: PublicUser;
  text: string;
  cid: string;
}

/** The fields of an `ack`: where a cid's message landed. */
export interface Receipt {
  cid: string;
  room: string;
  seq: number;
  ts: number;
}

/** A commit's outcome: a new message, or the receipt of the one the cid made before. */
export type CommitResult =
  | { created: true; receipt: Receipt; message: Message }
  | { created: false; receipt: Receipt };

/** One page of a room's history, oldest first. */
export interface HistoryPage {
  messages: Message[];
  /** Whether more messages are kept beyond the page: older ones, or newer ones for `after`. */
  more: boolean;
}

/** How much a page may hold: `limit` messages, and texts of about `maxBytes` (default: any). */
export interface PageSize {
  limit: number;
  /**
   * Reading stops at the first message that takes the page's texts past this
   * many UTF-8 bytes (that one included): a reply is cut to its exact size
   * later, and this keeps what is read for it near that size.
   */
  maxBytes?: number;
}

/** Which page {@linkcode MessageStore.history} reads. */
export interface HistoryQuery extends PageSize {
  /** The newest messages before this seq (default: the newest of all)... */
  before?: number;
  /** ...or the oldest messages after this one (never both). */
  after?: number;
}

/** The answer to "what came after the seq I hold". */
export interface Replay {
  /** The room's newest seq when the log was read. */
  head: number;
  /** True: `messages` are the messages right after the seq. False: some are gone; the newest page. */
  recovered: boolean;
  messages: Message[];
  /** Recovered, but cut at the page's size: more messages follow the last one. */
  more: boolean;
}

/** The room log. */
export interface MessageStore {
  /** Commits a message, or returns the original receipt if the user's cid was seen in 24 h. */
  commit(input: CommitInput): Promise<CommitResult>;
  /**
   * A page of the query's size, oldest first: the newest messages before
   * `before` (or of all), or the oldest after `after`; an `after` below the
   * retention floor reads from the oldest kept.
   */
  history(room: string, query: HistoryQuery): Promise<HistoryPage>;
  /**
   * The kept messages after `seq`, oldest first: a page of `size`, or all of
   * them; the newest page if some of them are no longer kept.
   */
  since(room: string, seq: number, size?: PageSize): Promise<Replay>;
  /** The newest page, for a reader who holds nothing yet (so `recovered` is true). */
  latest(room: string): Promise<Replay>;
  /**
   * Kept messages with `after < seq <= through`, oldest first, for a reader
   * that knows `through` was committed (a feed filling a gap). One read: the
   * head is not read, since the commits up to `through` pruned what fell out
   * of retention below it.
   */
  range(room: string, after: number, through: number): Promise<Message[]>;
  /** The room's newest seq; 0 for a room without messages. */
  head(room: string): Promise<number>;
  /**
   * The highest seq this store itself committed in `room` (0 if none), known
   * without a read. Its committer publishes every message it creates, so a
   * bus that sees the head move only this far has nothing to read.
   */
  committedHead(room: string): number;
  /**
   * Lists a room that has no message yet (someone joined it) for
   * `unusedRoomTtlMs` from now; a room with messages is listed for good.
   */
  ensureRoom(room: string): Promise<void>;
  /** Whether the room is in the log: it has messages, or is an empty room still listed. */
  exists(room: string): Promise<boolean>;
  /**
   * One page of the rooms that exist, by name, after `after`: at most `limit`
   * names, and `next`, the `after` of the next page (null after the last).
   * A page reads at most about `2 × limit` keys, so it may hold fewer names
   * than `limit` and still have a `next`. Names starting with `skip` are not
   * read at all (direct messages, which no list of public rooms shows).
   */
  rooms(options: { after?: string; limit: number; skip?: string }): Promise<RoomPage>;
  /** Deletes the cid records older than {@linkcode CID_TTL_MS}; resolves with how many. */
  pruneReceipts(): Promise<number>;
}

/** A page of room names. */
export interface RoomPage {
  names: string[];
  next: string | null;
}

/** Options of {@linkcode createMessageStore}. */
export interface MessageStoreOptions {
  /** Messages kept per room (`ROOM_HISTORY_MAX`); older ones are pruned. */
  historyMax: number;
  /** Stamps `ts` and judges whether a cid is still within its 24 h. */
  clock: Clock;
  /** Size of the newest page when a replay cannot be complete. Default 50. */
  pageSize?: number;
  /** Most commits grouped into one atomic operation. Default 32. */
  maxBatch?: number;
  /** Attempts before a contended commit gives up with an error. Default 100. */
  maxAttempts?: number;
  /** How long a room nobody wrote in stays listed after {@linkcode MessageStore.ensureRoom}. Default 24 h. */
  unusedRoomTtlMs?: number;
  /**
   * A key every commit to `room` bumps (a `sum` of 1) inside its own atomic
   * operation, for whoever watches many rooms through a few keys (the kv
   * cluster engine's shard signals). Default: none.
   */
  headSignal?: (room: string) => Deno.KvKey;
}

// Deno KV refuses atomic operations above 800 KiB of mutations; stay well below.
const MAX_BATCH_BYTES = 400 * 1024;
// `getMany` reads at most 10 keys at a time.
const GET_MANY_LIMIT = 10;
// Deno KV takes at most 1000 mutations per atomic operation; stay well below.
const DELETE_BATCH = 100;

/** Creates a {@linkcode MessageStore} over `kv`. */
export function createMessageStore(kv: Deno.Kv, options: MessageStoreOptions): MessageStore {
  const { historyMax, clock, headSignal } = options;
  const pageSize = options.pageSize ?? 50;
  const maxBatch = options.maxBatch ?? 32;
  const maxAttempts = options.maxAttempts ?? 100;
  const unusedRoomTtlMs = options.unusedRoomTtlMs ?? 24 * 60 * 60 * 1000;
  const committedHeads = new Map<string, number>();
  /** The head entry this store last wrote in each room, as KV holds it unless someone else wrote since. */
  const writtenHeads = new Map<string, Deno.KvEntry<number>>();

  const readMany = async <T>(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> => {
    const chunks: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
    for (let start = 0; start < keys.length; start += GET_MANY_LIMIT) {
      chunks.push(kv.getMany<T[]>(keys.slice(start, start + GET_MANY_LIMIT)));
    }
    return (await Promise.all(chunks)).flat();
  };

  const readHead = async (room: string): Promise<number> =>
    (await kv.get<number>(roomHeadKey(room))).value ?? 0;

  const rangeSelector = (room: string, after: number, before: number) => ({
    start: roomMessageKey(room, after + 1),
    end: roomMessageKey(room, before),
  });

  /** Every kept message with `after < seq < before`, oldest first. */
  const readRange = async (room: string, after: number, before: number): Promise<Message[]> => {
    if (before <= after + 1) return [];
    const messages: Message[] = [];
    for await (const entry of kv.list<Message>(rangeSelector(room, after, before))) {
      messages.push(withAuthorRole(entry.value));
    }
    return messages;
  };

  /**
   * A page of kept messages with `after < seq < before` read from its `from`
   * end, oldest first, and whether messages were left unread there.
   */
  const readPage = async (
    room: string,
    after: number,
    before: number,
    size: PageSize & { from: "newest" | "oldest" },
  ): Promise<HistoryPage> => {
    if (before <= after + 1) return { messages: [], more: false };
    // One more than the page holds, to know whether more are kept.
    const entries = kv.list<Message>(rangeSelector(room, after, before), {
      limit: size.limit + 1,
      reverse: size.from === "newest",
    });
    return await fillPage(messagesOf(entries), size, size.from);
  };

  const reads = createLogReads({ historyMax, pageSize, readHead, readPage, readRange });

  const isFresh = (receipt: Receipt | null): receipt is Receipt =>
    receipt !== null && clock.now() - receipt.ts < CID_TTL_MS;

  /**
   * One atomic operation for `batch` on top of `head` and the batch's `cids` as
   * they were read (or assumed); null when a check failed because another
   * committer moved the head first (or, when assumed, a cid was already there).
   */
  const commitOn = async (
    room: string,
    batch: CommitInput[],
    head: Deno.KvEntryMaybe<unknown>,
    cids: Deno.KvEntryMaybe<unknown>[],
  ): Promise<CommitResult[] | null> => {
    let seq = (head.value as number | null) ?? 0;
    const operation = kv.atomic().check(head);
    const byCid = new Map<string, CommitResult>();
    const results = batch.map((input, index): CommitResult => {
      const cidKey = cids[index].key;
      const earlier = cids[index].value as Receipt | null;
      if (isFresh(earlier)) return { created: false, receipt: earlier };
      const sameBatch = byCid.get(JSON.stringify(cidKey));
      if (sameBatch) return { created: false, receipt: sameBatch.receipt };

      seq += 1;
      const ts = clock.now();
      const message: Message = {
        room,
        seq,
        id: crypto.randomUUID(),
        cid: input.cid,
        user: { id: input.user.id, name: input.user.name, role: input.user.role },
        text: input.text,
        ts,
      };
      const receipt: Receipt = { cid: input.cid, room, seq, ts };
      operation
        .check(cids[index])
        .set(roomMessageKey(room, seq), message)
        .set(cidKey, receipt, { expireIn: CID_TTL_MS });
      if (seq > historyMax) operation.delete(roomMessageKey(room, seq - historyMax));
      const result: CommitResult = { created: true, receipt, message };
      byCid.set(JSON.stringify(cidKey), result);
      return result;
    });
    if (byCid.size === 0) return results;
    operation.set(roomHeadKey(room), seq);
    if (headSignal) operation.sum(headSignal(room), 1n);
    try {
      const committed = await operation.commit();
      if (!committed.ok) return null;
      writtenHeads.set(room, { key: roomHeadKey(room), value: seq, ...committed });
      committedHeads.set(room, Math.max(committedHeads.get(room) ?? 0, seq));
      return results;
    } catch (error) {
      // Another handle on the same file (`deno serve --parallel`) holds SQLite's
      // write lock: as much a lost race as a failed check.
      if (isLockedError(error)) return null;
      throw error;
    }
  };

  /** One attempt for `batch`; null when another committer moved the head first. */
  const tryCommit = async (
    room: string,
    batch: CommitInput[],
  ): Promise<CommitResult[] | null> => {
    const cidKeys = batch.map((input) => sendCidKey(input.user.id, input.cid));
    const written = writtenHeads.get(room);
    if (written) {
      // Most commits to a room follow this store's own previous one: assume the
      // head it wrote and new cids, and let the operation's checks say whether
      // that still holds. A KV read costs as much CPU as half a commit.
      const unseen = cidKeys.map((key) => ({ key, value: null, versionstamp: null }));
      const results = await commitOn(room, batch, written, unseen);
      if (results) return results;
      writtenHeads.delete(room);
    }
    const [head, ...cids] = await readMany<unknown>([roomHeadKey(room), ...cidKeys]);
    return await commitOn(room, batch, head, cids);
  };

  const commitBatch = async (room: string, batch: CommitInput[]): Promise<CommitResult[]> => {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const results = await tryCommit(room, batch);
      if (results) return results;
      await contentionPause(attempt);
    }
    throw new Error(`commit to room "${room}" kept conflicting (${maxAttempts} attempts)`);
  };

  const commit = createCommitQueue({
    maxBatch,
    maxBatchBytes: MAX_BATCH_BYTES,
    // A string costs at most 2 bytes per UTF-16 unit in KV's serialization.
    sizeOf: (input) => input.text.length * 2 + 512,
    write: commitBatch,
  });

  return {
    commit,

    history: reads.history,

    since: reads.since,

    async latest(room) {
      // One read instead of the head and then a page: a commit writes a message
      // and the head together, and pruning removes only the oldest, so the
      // newest kept message carries the head (and an empty log means head 0).
      const newestFirst = kv.list<Message>(
        { prefix: roomMessagesPrefix(room) },
        { limit: pageSize, reverse: true },
      );
      const page: Message[] = [];
      for await (const entry of newestFirst) page.push(withAuthorRole(entry.value));
      const head = page[0]?.seq ?? 0;
      const floor = reads.retentionFloor(head);
      const messages = page.filter(({ seq }) => seq > floor).reverse();
      return { head, recovered: true, messages, more: false };
    },

    range: reads.range,

    head: readHead,

    committedHead: (room) => committedHeads.get(room) ?? 0,

    async ensureRoom(room) {
      if (await readHead(room) > 0) return;
      const until = clock.now() + unusedRoomTtlMs;
      await retryWhenLocked(() =>
        kv.set(roomUnusedKey(room), { until }, { expireIn: unusedRoomTtlMs })
      );
    },

    async exists(room) {
      const [head, unused] = await kv.getMany<[number, { until: number }]>([
        roomHeadKey(room),
        roomUnusedKey(room),
      ]);
      return (head.value ?? 0) > 0 || (unused.value?.until ?? 0) > clock.now();
    },

    async rooms({ after, limit, skip }) {
      const page = { after, limit, skip };
      const [withMessages, unused] = await Promise.all([
        listRoomNamesIn(kv, ROOM_HEAD_PREFIX, page, (head: number) => head > 0),
        listRoomNamesIn(
          kv,
          ROOM_UNUSED_PREFIX,
          page,
          ({ until }: { until: number }) => until > clock.now(),
        ),
      ]);
      // Every name up to the nearer frontier has been seen in both prefixes.
      const frontier = [withMessages.frontier, unused.frontier]
        .filter((name): name is string => name !== null).sort()[0] ?? null;
      const names = [...new Set([...withMessages.names, ...unused.names])]
        .filter((name) => frontier === null || name <= frontier)
        .sort();
      if (names.length > limit) return { names: names.slice(0, limit), next: names[limit - 1] };
      return { names, next: frontier };
    },

    async pruneReceipts() {
      let removed = 0;
      let batch: Deno.KvEntry<Receipt>[] = [];
      const flush = async () => {
        const operation = kv.atomic();
        // A record rewritten since it was read is left alone.
        for (const entry of batch) operation.check(entry).delete(entry.key);
        if ((await operation.commit()).ok) removed += batch.length;
        batch = [];
      };
      for await (const entry of kv.list<Receipt>({ prefix: SEND_CID_PREFIX })) {
        if (isFresh(entry.value)) continue;
        batch.push(entry);
        if (batch.length === DELETE_BATCH) await flush();
      }
      if (batch.length > 0) await flush();
      return removed;
    },
  };
}

async function* messagesOf(entries: AsyncIterable<Deno.KvEntry<Message>>): AsyncIterable<Message> {
  for await (const { value } of entries) yield withAuthorRole(value);
}

/**
 * The ranges of one prefix to read for the names after `after`: all of them,
 * or, with `skip`, those below the names starting with `skip` and those above.
 */
function rangesOf(
  prefix: Deno.KvKey,
  after: string | undefined,
  skip: string | undefined,
): Deno.KvListSelector[] {
  const start = after === undefined ? undefined : [...prefix, after, 0];
  if (skip === undefined) return [start === undefined ? { prefix } : { prefix, start }];
  // Past every name starting with `skip`: its last character, one higher.
  const skipEnd = skip.slice(0, -1) + String.fromCharCode(skip.charCodeAt(skip.length - 1) + 1);
  const ranges: Deno.KvListSelector[] = [];
  if (after === undefined || after < skip) {
    ranges.push({ start: start ?? prefix, end: [...prefix, skip] });
  }
  const above = after !== undefined && after >= skipEnd;
  ranges.push({ prefix, start: above ? start! : [...prefix, skipEnd] });
  return ranges;
}

/**
 * Reads up to `limit` keys of one prefix after `after` (none starting with
 * `skip`): the room names whose value `keep`s, and the frontier (the last name
 * read, or null when the prefix ended before `limit` keys).
 */
async function listRoomNamesIn<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  { after, limit, skip }: { after?: string; limit: number; skip?: string },
  keep: (value: T) => boolean,
): Promise<{ names: string[]; frontier: string | null }> {
  const names: string[] = [];
  let read = 0;
  let last: string | null = null;
  for (const selector of rangesOf(prefix, after, skip)) {
    for await (const entry of kv.list<T>(selector, { limit: limit - read })) {
      read++;
      last = String(entry.key[prefix.length]);
      if (keep(entry.value)) names.push(last);
    }
    if (read === limit) break;
  }
  return { names, frontier: read < limit ? null : last };
}

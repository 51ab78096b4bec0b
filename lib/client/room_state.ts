/**
 * What the client knows of one room: committed messages merged by `seq`, the
 * last contiguous seq (what a rejoin asks `since`), the gap to fill when a seq
 * is skipped, who is present and who is typing.
 *
 * In a big room (`presence_summary`) the server lists only the first users and
 * counts them all: `online` is the count, and `presenceComplete` is false while
 * `presence` holds only part of the room. A room that shrinks back lists again;
 * {@linkcode RoomState.applyPresence} then says the list wants reading anew
 * (a `members` page, given to {@linkcode RoomState.applyMembersRefill}).
 *
 * Seqs rise by exactly one per message in a room, so a message whose seq is
 * more than one past the last contiguous one shows that something was missed;
 * so does a head beyond it, once a paged `joined` (`more: true`) carried only
 * the first part of a catch-up. {@linkcode RoomState.nextGap} names the
 * `history` request that fills the next missing range: `after` the last
 * contiguous seq when the server pages forward, else `before` the range's end.
 *
 * @example
 * ```ts
 * const room = createRoomState("general", { clock });
 * room.applyJoined(joined);          // head 41
 * room.applyMessages([message43]);   // 42 is missing
 * room.nextGap(false);               // { before: 43, limit: 1 }
 * room.nextGap(true);                // { after: 41, limit: 1 }
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type {
  Message,
  PublicUser,
  RoomRole,
  RoomVisibility,
  ServerFrameOf,
} from "../protocol/mod.ts";
import type { Clock, TimerId } from "../time/clock.ts";

/** The largest `limit` a `history` request may carry. */
export const HISTORY_LIMIT_MAX = 200;

/** What `joined` said of a room: who may see it, your part in it, a direct message's people. */
export interface RoomAbout {
  visibility: RoomVisibility;
  role: RoomRole | null;
  people: readonly PublicUser[];
}

/** A `history` request that fills a gap: forward from `after`, or back from `before`. */
export type Gap = { after: number; limit: number } | { before: number; limit: number };

/** The client's view of one room. */
export interface RoomState {
  readonly name: string;
  /** Committed messages, ascending seq. */
  readonly messages: ReadonlySignal<readonly Message[]>;
  readonly presence: ReadonlySignal<readonly PublicUser[]>;
  /** How many people are online: `presence`'s length, or the server's count in a big room. */
  readonly online: ReadonlySignal<number>;
  /** Whether `presence` is everyone online (false in a big room, where it is the first page). */
  readonly presenceComplete: ReadonlySignal<boolean>;
  readonly typing: ReadonlySignal<readonly PublicUser[]>;
  /** How many more are typing than `typing` names (a big room's summary). */
  readonly typingMore: ReadonlySignal<number>;
  /** Whether older messages than the oldest held may exist. */
  readonly hasOlder: ReadonlySignal<boolean>;
  /** What the last `joined` said of the room; null before (or from a server that says nothing). */
  readonly about: ReadonlySignal<RoomAbout | null>;
  /** How far this account has read the room (on any device); 0 before anything was read. */
  readonly readSeq: ReadonlySignal<number>;
  /** The account read the room up to `seq` (here or on another device): only forward. */
  applyRead(seq: number): void;
  /** Every message up to this seq is held; null before the first `joined`. */
  lastContiguousSeq(): number | null;
  oldestSeq(): number | null;
  applyJoined(frame: ServerFrameOf<"joined">): void;
  applyMessages(messages: readonly Message[]): void;
  /** Merges a `history` reply; `more` only speaks for older history when `older` is set. */
  applyHistory(frame: ServerFrameOf<"history">, older: boolean): void;
  /** Merges the reply to the request {@linkcode RoomState.nextGap} named. */
  applyGapFill(frame: ServerFrameOf<"history">, gap: Gap): void;
  /**
   * Applies a presence frame; true when the list held is partial and the server
   * lists again (the room shrank back): read it anew with a `members` page.
   */
  applyPresence(frame: ServerFrameOf<"presence">): boolean;
  /** A `members` page read after {@linkcode RoomState.applyPresence} asked for it. */
  applyMembersRefill(frame: ServerFrameOf<"members">): void;
  /** Someone typing; a summary (`users`, `count`) names up to three, never `meId`. */
  applyTyping(frame: ServerFrameOf<"typing">, meId?: string): void;
  /**
   * The request for the first missing range above the last contiguous seq, or
   * null: `after` it when `pageForward` (the server speaks `history_after`).
   */
  nextGap(pageForward: boolean): Gap | null;
  /** Stops the typing timers. */
  dispose(): void;
}

/** Options of {@linkcode createRoomState}. */
export interface RoomStateOptions {
  clock: Clock;
  /** How long a `typing` event shows. Default 6 000. */
  typingTtlMs?: number;
  /** Messages kept in memory; the oldest go first (and can be loaded again). Default 1 000. */
  keep?: number;
}

/** Creates an empty {@linkcode RoomState}. */
export function createRoomState(name: string, options: RoomStateOptions): RoomState {
  const { clock, typingTtlMs = 6_000, keep = 1_000 } = options;
  const bySeq = new Map<number, Message>();
  const messages = signal<readonly Message[]>([]);
  const presence = signal<readonly PublicUser[]>([]);
  const online = signal(0);
  const presenceComplete = signal(true);
  const typing = signal<readonly PublicUser[]>([]);
  const typingMore = signal(0);
  let typingMoreTimer: TimerId | undefined;
  const hasOlder = signal(false);
  const about = signal<RoomAbout | null>(null);
  const readSeq = signal(0);
  const applyRead = (seq: number) => {
    if (seq > readSeq.peek()) readSeq.value = seq;
  };
  const typingTimers = new Map<string, { user: PublicUser; timer: TimerId }>();
  let contiguous: number | null = null;
  /** The highest seq known to exist: a `joined` head, or any message seen. */
  let knownHead = 0;

  const publishTyping = () => {
    typing.value = [...typingTimers.values()].map(({ user }) => user);
  };

  const stopTyping = (userId: string) => {
    const entry = typingTimers.get(userId);
    if (!entry) return;
    clock.clearTimeout(entry.timer);
    typingTimers.delete(userId);
    publishTyping();
  };

  const oldestSeq = () => messages.peek()[0]?.seq ?? null;

  const showTyping = (user: PublicUser) => {
    const existing = typingTimers.get(user.id);
    if (existing) clock.clearTimeout(existing.timer);
    const timer = clock.setTimeout(() => stopTyping(user.id), typingTtlMs);
    typingTimers.set(user.id, { user, timer });
    if (!existing) publishTyping();
  };

  const showTypingMore = (count: number) => {
    if (typingMoreTimer !== undefined) clock.clearTimeout(typingMoreTimer);
    typingMore.value = count;
    typingMoreTimer = count === 0 ? undefined : clock.setTimeout(() => {
      typingMoreTimer = undefined;
      typingMore.value = 0;
    }, typingTtlMs);
  };

  const merge = (incoming: readonly Message[]) => {
    for (const message of incoming) {
      bySeq.set(message.seq, message);
      knownHead = Math.max(knownHead, message.seq);
    }
    if (contiguous !== null) {
      while (bySeq.has(contiguous + 1)) contiguous++;
    }
    const sorted = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    for (const dropped of sorted.splice(0, Math.max(0, sorted.length - keep))) {
      bySeq.delete(dropped.seq);
      hasOlder.value = true;
    }
    messages.value = sorted;
  };

  return {
    name,
    messages,
    presence,
    online,
    presenceComplete,
    typing,
    typingMore,
    hasOlder,
    about,
    readSeq,
    applyRead,
    lastContiguousSeq: () => contiguous,
    oldestSeq,
    applyJoined(frame) {
      const firstJoin = contiguous === null;
      // Not recovered: the messages are the newest page, and keeping what came
      // before would show a hole as if nothing had been said in between.
      if (firstJoin || !frame.recovered) bySeq.clear();
      // A paged catch-up holds the messages right after what we held: it continues from there.
      if (!frame.more || contiguous === null) contiguous = frame.head;
      if (firstJoin || !frame.recovered) knownHead = 0;
      knownHead = Math.max(knownHead, frame.head);
      merge(frame.messages);
      if (firstJoin || !frame.recovered) hasOlder.value = (oldestSeq() ?? 1) > 1;
      presence.value = frame.presence;
      presenceComplete.value = frame.presence_count === undefined;
      online.value = frame.presence_count ?? frame.presence.length;
      if (frame.read_seq !== undefined) applyRead(frame.read_seq);
      if (frame.visibility) {
        about.value = {
          visibility: frame.visibility,
          role: frame.room_role ?? null,
          people: frame.people ?? [],
        };
      }
    },
    applyMessages(incoming) {
      merge(incoming);
      for (const message of incoming) stopTyping(message.user.id);
    },
    applyHistory(frame, older) {
      merge(frame.messages);
      if (older) hasOlder.value = frame.more;
    },
    applyGapFill(frame, gap) {
      if ("after" in gap && contiguous === gap.after) {
        const first = frame.messages[0]?.seq;
        // Nothing after it: the server's head is ours, whatever we thought.
        if (first === undefined && !frame.more) knownHead = contiguous;
        // The messages right after it are no longer kept: the page starts at the oldest kept.
        else if (first !== undefined && first > gap.after + 1) contiguous = first - 1;
      }
      merge(frame.messages);
    },
    applyPresence(frame) {
      if (!frame.joins && !frame.leaves) {
        // A big room's summary: the count only.
        if (frame.count !== undefined) online.value = frame.count;
        presenceComplete.value = false;
        return false;
      }
      const users = new Map(presence.peek().map((user) => [user.id, user]));
      for (const user of frame.joins ?? []) users.set(user.id, user);
      for (const user of frame.leaves ?? []) {
        users.delete(user.id);
        stopTyping(user.id);
      }
      presence.value = [...users.values()];
      if (presenceComplete.peek()) online.value = users.size;
      return !presenceComplete.peek();
    },
    applyMembersRefill(frame) {
      online.value = frame.count;
      if (frame.next !== null) return;
      presence.value = frame.users;
      presenceComplete.value = true;
    },
    applyTyping(frame, meId) {
      const named = frame.users ?? [frame.user];
      for (const user of named) if (user.id !== meId) showTyping(user);
      if (frame.count !== undefined) showTypingMore(Math.max(0, frame.count - named.length));
    },
    nextGap(pageForward) {
      if (contiguous === null) return null;
      const after = contiguous;
      const next = messages.peek().find((message) => message.seq > after);
      const lastMissing = next ? next.seq - 1 : knownHead;
      if (lastMissing <= after) return null;
      const limit = Math.min(HISTORY_LIMIT_MAX, lastMissing - after);
      return pageForward ? { after, limit } : { before: lastMissing + 1, limit };
    },
    dispose() {
      for (const { timer } of typingTimers.values()) clock.clearTimeout(timer);
      typingTimers.clear();
      publishTyping();
      showTypingMore(0);
    },
  };
}

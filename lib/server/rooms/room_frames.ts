/**
 * The room layer's answer to each frame about a room's log and who hears it,
 * over the log, the bus, presence and the rooms of this isolate. Every one of
 * them asks the access check first (`access.ts`): a user who may not use the
 * room gets `forbidden`, worded the same whether the room exists or not, and
 * nothing else (not even that the room is closed).
 *
 * - `join`: enters the room (making the user a member; a private room wants an
 *   invitation, a direct message its people), then replays from the log (the
 *   newest page, or a `since` catch-up of at most `joinPageMax` messages), and
 *   fans out from the head it replayed to; fan-out that arrives while the log
 *   is read is held back, so `joined` comes first and no message comes twice.
 * - `send`: checks the text's length (the server's one check, by the
 *   contract's rule), that the room is joined (and, if not, whether the user
 *   may use it at all) and open, then commits to the log and acks only once
 *   it is committed; a retried `cid` gets its first receipt. A `reply_to`
 *   must be a live text entry of the room (`bad_request` otherwise). The
 *   `@name`s of room members become the entry's `mentions`, and each
 *   mentioned member's connections (on every instance) hear `mention`.
 * - `edit`, `delete`, `react`: as `send`, each an entry with the room's next
 *   seq, for a target that is a live text entry of the room (`bad_request`
 *   otherwise); an edit by its author only, a delete by its author, the
 *   room's owner and moderators and admins (`forbidden` otherwise). The log
 *   folds each into its target, so `joined` and `history` serve text entries
 *   in their present state with the changes listed after them.
 * - `read`: moves the account's read position in the room forward (never
 *   past the head); the account's other connections, on every instance, hear
 *   `read`. `joined` carries the position (`read_seq`) and the text entries
 *   after it (`unread`).
 * - `history`: a page before or after a seq, held to the reply bound.
 * - `typing`: passed on to every instance at most once per `typingIntervalMs`
 *   per user and room (each instance summarizes it in a big room).
 * - `leave`: out of the room, `left`; with `forget`, the membership ends too,
 *   on every device.
 *
 * A room an administrator closed refuses joins, sends and history with
 * `forbidden`. A store that fails costs the frame `internal`, and tells the
 * metrics.
 *
 * @example
 * ```ts
 * const frames = createRoomFrames({
 *   store, bus, events, presence, clock, closures, metrics, local, replies, limits, storeFailed,
 *   access, memberships, notices,
 * });
 * await frames.join(member, { type: "join", room: "general" }, clock.now());
 * ```
 */
import {
  checkTextLength,
  type ClientFrameOf,
  type Message,
  type PublicUser,
} from "../../protocol/mod.ts";
import { MENTION_TEXT_MAX } from "../bus/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { EventBus, MessageBus } from "../bus/mod.ts";
import type { SwitchboardMetrics } from "../metrics/mod.ts";
import type { Presence } from "../presence/mod.ts";
import type { MembershipStore, ReadPositions } from "../membership/mod.ts";
import type { CommitInput, MessageStore } from "../store/mod.ts";
import type { RoomAccess } from "./access.ts";
import type { LocalRooms } from "./local_rooms.ts";
import type { MembershipEvents } from "./membership_events.ts";
import { mentionedMembers } from "./mentions.ts";
import { publicUserOf, type RoomMember } from "./member.ts";
import type { RoomClosures } from "./room_closures.ts";
import type { RoomReplies } from "./room_replies.ts";
import { createSharedReads } from "./shared_reads.ts";

/** Why a change (or a reply) may not be made to the entry it targets. */
interface TargetRefusal {
  code: "bad_request" | "forbidden";
  message: string;
}

/**
 * Why `entry` (seq `seq`, as the log keeps it) cannot be the target of a
 * change or a reply: it is no text entry of the room (any more), or it was
 * deleted. Null when it can.
 */
function liveTextProblem(entry: Message | null, seq: number): TargetRefusal | null {
  if (entry === null || (entry.kind ?? "text") !== "text") {
    return { code: "bad_request", message: `${seq} is not a message of this room` };
  }
  if (entry.deleted) return { code: "bad_request", message: `message ${seq} was deleted` };
  return null;
}

/** The limits the frames keep, every default resolved. */
export interface RoomFrameLimits {
  maxTextChars: number;
  /** A `joined` lists at most this many users, and counts them all when there are more. */
  presenceListMax: number;
  pageSize: number;
  typingIntervalMs: number;
  joinPageMax: number;
  maxReplyBytes: number;
}

/** What {@linkcode createRoomFrames} needs. */
export interface RoomFramesOptions {
  store: MessageStore;
  bus: Pick<MessageBus, "idle" | "publish">;
  events: EventBus;
  presence: Pick<Presence, "connect" | "count" | "page">;
  clock: Clock;
  closures?: Pick<RoomClosures, "isClosed" | "isKnownClosed">;
  metrics: Pick<
    SwitchboardMetrics,
    "messagesCommitted" | "commitLatency" | "reconnects" | "kvUp" | "rooms"
  >;
  local: LocalRooms;
  replies: RoomReplies;
  limits: RoomFrameLimits;
  /** The store failed: whoever needs to know is told why. */
  storeFailed(error: unknown): void;
  access: RoomAccess;
  memberships: Pick<MembershipStore, "removeMember" | "access">;
  notices: Pick<MembershipEvents, "changed">;
  readPositions: ReadPositions;
  /** The account, or active guest, that goes by `name` (whom an `@name` mentions). */
  findUser(name: string): Promise<PublicUser | null>;
  /** Told each entry committed here, after its ack (to index it). Default: nobody. */
  onCommitted?: (room: string, entry: Message) => void;
}

/**
 * The newest entries of a room read to count its unread text entries and
 * mentions: past this many, `unread` says this many.
 */
export const UNREAD_COUNT_MAX = 1_000;

/** The frames about a room's log and who hears it (`members` is `members_frame.ts`). */
export type LogFrameType =
  | "join"
  | "leave"
  | "send"
  | "history"
  | "typing"
  | "edit"
  | "delete"
  | "react"
  | "read";

/** One answer per frame type; `receivedAt` is when the frame arrived. */
export type RoomFrames = {
  [T in LogFrameType]: (
    member: RoomMember,
    frame: ClientFrameOf<T>,
    receivedAt: number,
  ) => Promise<void>;
};

/** Creates the {@linkcode RoomFrames}. */
export function createRoomFrames(options: RoomFramesOptions): RoomFrames {
  const { store, bus, events, presence, clock, closures, metrics, local, limits } = options;
  const { reply, replyPage, replyError } = options.replies;
  const { storeFailed, access, memberships, notices, readPositions, findUser } = options;
  // A burst of joins into one room reads its newest page once per read, not once per join.
  const latest = createSharedReads((room) => store.latest(room));
  const isMember = async (room: string, userId: string) =>
    (await memberships.access(room, userId, clock.now())).membership !== null;

  /**
   * Why `member`, not joined to `room`, may not `act` there: `forbidden` if they
   * may not use the room at all (as for a room that does not exist) or it is
   * closed, else `not_joined`.
   */
  const refuseUnjoined = async (member: RoomMember, room: string, act: string, ref?: string) => {
    const verdict = await access.write(member.user, room);
    if (!verdict.ok) return replyError(member, room, "forbidden", verdict.message, ref);
    if (closures?.isKnownClosed(room)) {
      return replyError(member, room, "forbidden", `${room} is closed`, ref);
    }
    replyError(member, room, "not_joined", `join ${room} before ${act}`, ref);
  };

  const join = async (member: RoomMember, frame: ClientFrameOf<"join">) => {
    const name = frame.room;
    // In the room (fan-out held back) before anything is awaited, so that a
    // connection closing meanwhile takes its membership with it.
    const { membership, opened } = local.enter(name, member);
    const stillHere = () => local.membershipOf(name, member) === membership;
    const refuse = (message: string) => {
      if (!stillHere()) return;
      local.remove(name, member);
      replyError(member, name, "forbidden", message, frame.ref);
    };

    let entry;
    let replay;
    let readSeq = 0;
    let unread = 0;
    try {
      entry = await access.enter(member.user, name);
      if (!entry.ok) return refuse(entry.message);
      if (entry.added) notices.changed(member.user.id, name, true, "joined");
      if (await closures?.isClosed(name)) return refuse(`${name} is closed`);
      if (opened) await store.ensureRoom(name);
      // The feed must know its starting head before the log is read, or a
      // message committed in between would be neither replayed nor fanned out.
      await bus.idle(name);
      replay = frame.since === undefined ? await latest(name) : await store.since(
        name,
        frame.since,
        { limit: limits.joinPageMax, maxBytes: limits.maxReplyBytes },
      );
      readSeq = (await readPositions.of(member.user.id, [name])).get(name) ?? 0;
      // Read up to the head replayed (an empty room, a reader who is up to date): nothing
      // to count, and no read; what is committed after that head comes live.
      if (replay.head > readSeq) {
        ({ unread } = await store.countUnread(name, readSeq, member.user.id, UNREAD_COUNT_MAX));
      }
    } catch (error) {
      storeFailed(error);
      local.remove(name, member);
      replyError(member, name, "internal", `could not join ${name}; try again`, frame.ref);
      return;
    }
    // The connection closed while the log was read.
    if (!stillHere()) return;
    const { info } = entry;

    const { head } = replay;
    if (frame.since !== undefined) {
      metrics.reconnects.labels(replay.recovered ? "resumed" : "reset").inc();
    }
    if (!membership.counted) {
      membership.counted = true;
      presence.connect(name, publicUserOf(member));
    }
    // A catch-up keeps its oldest messages, to be continued with `history` `after`;
    // the newest page (first join, or history lost) keeps its newest.
    const catchingUp = frame.since !== undefined && replay.recovered;
    // A big room lists its first users by name and counts them all: the rest are `members` pages.
    const online = presence.count(name);
    const listed = presence.page(name, { limit: limits.presenceListMax }).users;
    replyPage(
      member,
      {
        type: "joined",
        room: name,
        head,
        recovered: replay.recovered,
        presence: listed,
        ...(online > limits.presenceListMax ? { presence_count: online } : {}),
        more: replay.more,
        visibility: info.visibility,
        room_role: entry.role,
        ...(info.people ? { people: info.people } : {}),
        read_seq: readSeq,
        unread,
        ref: frame.ref,
      },
      replay.messages,
      catchingUp ? "oldest" : "newest",
    );
    local.markJoined(name, membership, head);
  };

  const leave = async (member: RoomMember, frame: ClientFrameOf<"leave">) => {
    const { room, ref } = frame;
    local.remove(room, member);
    if (frame.forget) {
      try {
        const ended = await memberships.removeMember(room, member.user.id);
        if (ended) notices.changed(member.user.id, room, false, "left");
      } catch (error) {
        storeFailed(error);
        return replyError(member, room, "internal", `could not leave ${room}; try again`, ref);
      }
    }
    reply(member, { type: "left", room, ref });
  };

  /**
   * Commits what `member` asked for in `room` (a joined, open room), publishes
   * it if it is new, and acks it once committed; a retried `cid` gets its first
   * receipt. `checkTarget`, when given, says why the change may not be made
   * (read from the log just before), or null. Answers the receipt of a new
   * entry, or null (refused, failed, or made before).
   */
  const commitAndAck = async (
    member: RoomMember,
    input: Omit<CommitInput, "user">,
    receivedAt: number,
    ref: string | undefined,
    checkTarget?: (target: Message) => Promise<TargetRefusal | null>,
  ) => {
    const { room } = input;
    const what = input.kind ?? "message";
    if (!local.isJoined(member, room)) {
      const act = input.kind ? "changing its messages" : "sending to it";
      await refuseUnjoined(member, room, act, ref);
      return null;
    }
    if (closures?.isKnownClosed(room)) {
      replyError(member, room, "forbidden", `${room} is closed`, ref);
      return null;
    }
    let result;
    try {
      const targetSeq = input.target ?? input.reply_to;
      if (targetSeq !== undefined) {
        const target = await store.entry(room, targetSeq);
        const refusal = liveTextProblem(target, targetSeq) ??
          await checkTarget?.(target!) ?? null;
        if (refusal) {
          replyError(member, room, refusal.code, refusal.message, ref);
          return null;
        }
      }
      result = await store.commit({ ...input, user: publicUserOf(member) });
    } catch (error) {
      storeFailed(error);
      replyError(member, room, "internal", `the ${what} was not stored; send it again`, ref);
      return null;
    }
    metrics.kvUp.set(1);
    if (result.created) {
      metrics.messagesCommitted.inc();
      metrics.commitLatency.observe(clock.now() - receivedAt);
      metrics.rooms.record(room);
      local.noteReceived(room, result.message.seq, receivedAt);
      bus.publish(result.message);
    }
    reply(member, { type: "ack", ...result.receipt, ref });
    // Only a new entry is news; a retried cid was told about the first time.
    if (!result.created) return null;
    options.onCommitted?.(room, result.message);
    return result.receipt;
  };

  const send = async (member: RoomMember, frame: ClientFrameOf<"send">, receivedAt: number) => {
    const { room, text, cid, reply_to, ref } = frame;
    // The one length check of the server, by the contract's rule (code points).
    const length = checkTextLength(text, limits.maxTextChars);
    if (!length.ok) return replyError(member, room, "too_large", length.message, ref);
    let mentions;
    try {
      mentions = await mentionedMembers(text, room, { findUser, isMember });
    } catch (error) {
      storeFailed(error);
      return replyError(member, room, "internal", "the message was not stored; send it again", ref);
    }
    const committed = await commitAndAck(
      member,
      { room, cid, text, reply_to, mentions },
      receivedAt,
      ref,
    );
    if (!committed) return;
    // Everyone mentioned hears it on every connection, in whatever rooms they are.
    for (const userId of mentions) {
      if (userId === member.user.id) continue;
      const { seq } = committed;
      const by = publicUserOf(member);
      events.emit("mention", {
        user_id: userId,
        room,
        seq,
        by,
        text: text.slice(0, MENTION_TEXT_MAX),
      });
    }
  };

  const edit = async (member: RoomMember, frame: ClientFrameOf<"edit">, receivedAt: number) => {
    const { room, target, text, cid, ref } = frame;
    const length = checkTextLength(text, limits.maxTextChars);
    if (!length.ok) return replyError(member, room, "too_large", length.message, ref);
    const input = { room, cid, kind: "edit" as const, target, text };
    await commitAndAck(member, input, receivedAt, ref, (entry) =>
      Promise.resolve(
        entry.user.id === member.user.id
          ? null
          : { code: "forbidden", message: "only its author may edit a message" },
      ));
  };

  const remove = async (member: RoomMember, frame: ClientFrameOf<"delete">, receivedAt: number) => {
    const { room, target, cid, ref } = frame;
    const input = { room, cid, kind: "delete" as const, target };
    await commitAndAck(member, input, receivedAt, ref, async (entry) => {
      if (entry.user.id === member.user.id) return null;
      const verdict = await access.moderate(member.user, room);
      return verdict.ok ? null : {
        code: "forbidden",
        message: "only its author, the room's owner and moderators and admins may delete a message",
      };
    });
  };

  const react = async (member: RoomMember, frame: ClientFrameOf<"react">, receivedAt: number) => {
    const { room, target, emoji, on, cid, ref } = frame;
    const input = { room, cid, kind: "reaction" as const, target, emoji, on };
    await commitAndAck(member, input, receivedAt, ref);
  };

  const read = async (member: RoomMember, frame: ClientFrameOf<"read">) => {
    const { room, ref } = frame;
    try {
      const verdict = await access.write(member.user, room);
      if (!verdict.ok) return replyError(member, room, "forbidden", verdict.message, ref);
      // Read past the head is read up to it: a position never runs ahead of the log.
      const seq = Math.min(frame.seq, await store.head(room));
      const moved = await readPositions.advance(member.user.id, room, seq);
      if (moved === null) return;
      events.emit("read_moved", {
        user_id: member.user.id,
        room,
        seq: moved,
        session: member.session,
      });
    } catch (error) {
      storeFailed(error);
      replyError(member, room, "internal", "the read position was not stored; try again", ref);
    }
  };

  const history = async (member: RoomMember, frame: ClientFrameOf<"history">) => {
    const { room, before, after, limit, ref } = frame;
    try {
      const verdict = await access.read(member.user, room);
      if (!verdict.ok) return replyError(member, room, "forbidden", verdict.message, ref);
      // A closed room is read by nobody, joined or not, here or on another instance.
      if (await closures?.isClosed(room)) {
        return replyError(member, room, "forbidden", `${room} is closed`, ref);
      }
      const page = await store.history(room, {
        before,
        after,
        limit: limit ?? limits.pageSize,
        maxBytes: limits.maxReplyBytes,
      });
      const frame = { type: "history" as const, room, more: page.more, ref };
      replyPage(member, frame, page.messages, after === undefined ? "newest" : "oldest");
    } catch (error) {
      storeFailed(error);
      replyError(member, room, "internal", "history could not be read; try again", ref);
    }
  };

  const typing = async (member: RoomMember, frame: ClientFrameOf<"typing">) => {
    if (!local.isJoined(member, frame.room)) {
      return await refuseUnjoined(member, frame.room, "typing in it", frame.ref);
    }
    if (local.passTyping(frame.room, member.user.id, clock.now(), limits.typingIntervalMs)) {
      events.emit("typing", { room: frame.room, user: publicUserOf(member) });
    }
  };

  return { join, leave, send, history, typing, edit, delete: remove, react, read };
}

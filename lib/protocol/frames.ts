/**
 * Every WebSocket frame of the contract as a zod schema. Client and server both
 * import these; nothing else defines a frame.
 *
 * @example
 * ```ts
 * import { ClientFrame } from "./frames.ts";
 * ClientFrame.parse({ type: "ping", t: 1 }); // { type: "ping", t: 1 }
 * ```
 */
import { z } from "zod";
import { MEMBER_NAME_MAX, MEMBERS_LIMIT_MAX, TYPING_NAMED_MAX } from "./big_rooms.ts";
import { ERROR_CODES } from "./codes.ts";
import { EMOJI_MAX_UNITS, ENTRY_KINDS, entryProblem, isEmoji } from "./entries.ts";
import {
  DM_MEMBERS_MAX,
  ROLES,
  ROOM_NAME_HELP,
  ROOM_NAME_PATTERN,
  ROOM_ROLES,
  ROOM_VISIBILITIES,
  USER_NAME_HELP,
  USER_NAME_PATTERN,
} from "./names.ts";
import { SEARCH_LIMIT_MAX, SEARCH_QUERY_MAX_CHARS } from "./search.ts";
import { StatusResponse } from "./status.ts";

/** Room names: 1–64 characters of `a-z 0-9 - _`. */
export const RoomName = z.string().regex(ROOM_NAME_PATTERN, ROOM_NAME_HELP);

/** A client-chosen id for a send, so that retries are idempotent. */
export const ClientId = z.string().min(1).max(128);

/** Optional correlation id echoed on the reply. */
const Ref = z.string().max(128).optional();

const Seq = z.number().int().nonnegative();

/** Display names: 1–32 characters, letters, digits, `-`, `_` and `.`. */
export const UserName = z.string().regex(USER_NAME_PATTERN, USER_NAME_HELP);

/**
 * A user as every frame and body shows them (second edition: with `role`, so
 * that clients can mark guests, whose ids start with `guest:`).
 */
export const PublicUser = z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) });
export type PublicUser = z.infer<typeof PublicUser>;

/** The user of a session, as in `hello.user`: the same fields as everyone's. */
export const SessionUser = PublicUser;
export type SessionUser = z.infer<typeof SessionUser>;
export type Role = SessionUser["role"];

/** Who may see a room (`ROOM_VISIBILITIES`). */
export const RoomVisibility = z.enum(ROOM_VISIBILITIES);
export type RoomVisibility = z.infer<typeof RoomVisibility>;

/** A member's part in a room (`ROOM_ROLES`). */
export const RoomRole = z.enum(ROOM_ROLES);
export type RoomRole = z.infer<typeof RoomRole>;

/** A member of a room and their part in it. */
export const RoomMemberEntry = z.object({ user: PublicUser, role: RoomRole });
export type RoomMemberEntry = z.infer<typeof RoomMemberEntry>;

/** A reaction a client asks for (`./entries.ts`: pictographs, never text or markup). */
export const Emoji = z.string().max(EMOJI_MAX_UNITS).refine(isEmoji, "not an emoji");

/**
 * A reaction as the server sends it: checked for size only, as the browser
 * checks it, since the server let in nothing but {@linkcode Emoji} (and the
 * page shows it as text).
 */
const ReactionName = z.string().min(1).max(EMOJI_MAX_UNITS);

/** Who reacted with each emoji, by user id (second edition). */
export const Reactions = z.record(ReactionName, z.array(z.string()));
export type Reactions = z.infer<typeof Reactions>;

/**
 * A committed room log entry. Second edition: a `kind` (absent means
 * `text`, as every first-edition message is), the `target` of an edit,
 * delete or reaction, a reaction's `emoji` and `on`, a text entry's
 * `reply_to` and `mentions` (user ids), and, folded into a text entry as
 * `joined` and `history` serve it, `edited_at`, `deleted` (then no `text`)
 * and `reactions`. `entryProblem` (`./entries.ts`) says which fields each
 * kind must have.
 */
const messageShape = {
  room: RoomName,
  seq: Seq,
  id: z.string(),
  cid: z.string(),
  user: PublicUser,
  text: z.string().optional(),
  ts: z.number(),
  kind: z.enum(ENTRY_KINDS).optional(),
  target: Seq.optional(),
  emoji: ReactionName.optional(),
  on: z.boolean().optional(),
  reply_to: Seq.optional(),
  mentions: z.array(z.string()).optional(),
  edited_at: z.number().optional(),
  deleted: z.literal(true).optional(),
  reactions: Reactions.optional(),
};

/** Refuses an entry that lacks a field its kind needs (or has a text it must not). */
function checkEntryShape(entry: z.infer<z.ZodObject<typeof messageShape>>, ctx: z.RefinementCtx) {
  const field = entryProblem(entry);
  if (field === null) return;
  ctx.addIssue({
    code: "custom",
    path: [field],
    message: `${field}: not what a ${entry.kind ?? "text"} entry has`,
  });
}

/** A committed room log entry (see `messageShape` above). */
export const Message = z.object(messageShape).superRefine(checkEntryShape);
export type Message = z.infer<typeof Message>;

// ---- client → server ------------------------------------------------------

export const JoinFrame = z.object({
  type: z.literal("join"),
  room: RoomName,
  since: Seq.optional(),
  ref: Ref,
});
/**
 * Second edition: `forget: true` ends the account's membership (on every
 * device); without it only this connection stops hearing the room.
 */
export const LeaveFrame = z.object({
  type: z.literal("leave"),
  room: RoomName,
  forget: z.boolean().optional(),
  ref: Ref,
});
/** Second edition: `reply_to`, the seq of the text entry it answers. */
export const SendFrame = z.object({
  type: z.literal("send"),
  room: RoomName,
  text: z.string().min(1, "text must not be empty"),
  cid: ClientId,
  reply_to: Seq.optional(),
  ref: Ref,
});
/**
 * `before`: the newest messages before that seq (default: the newest of all).
 * Extension `after`: the oldest messages after that seq, to page forward
 * through a catch-up; the two cannot be combined.
 */
export const HistoryFrame = z.object({
  type: z.literal("history"),
  room: RoomName,
  before: Seq.optional(),
  after: Seq.optional(),
  limit: z.number().int().min(1).max(200).optional(),
  ref: Ref,
}).refine((frame) => frame.before === undefined || frame.after === undefined, {
  message: "cannot be combined with before",
  path: ["after"],
});
export const TypingFrame = z.object({ type: z.literal("typing"), room: RoomName, ref: Ref });
/** Second edition: a new room, its creator its owner; a taken name is `conflict`. */
export const CreateRoomFrame = z.object({
  type: z.literal("create_room"),
  room: RoomName,
  visibility: z.enum(["public", "private"]),
  ref: Ref,
});
/** Second edition: `user` (a name) may join the room; only its members may invite. */
export const InviteFrame = z.object({
  type: z.literal("invite"),
  room: RoomName,
  user: UserName,
  ref: Ref,
});
/** Second edition: the direct-message room of the sender and 1–8 other people, by name. */
export const DmFrame = z.object({
  type: z.literal("dm"),
  users: z.array(UserName).min(1).max(DM_MEMBERS_MAX),
  ref: Ref,
});
/** Second edition: the owner makes a member a moderator, or a moderator a member again. */
export const SetRoleFrame = z.object({
  type: z.literal("set_role"),
  room: RoomName,
  user: UserName,
  role: z.enum(["moderator", "member"]),
  ref: Ref,
});
/** Second edition: the owner, moderators and admins end someone's membership. */
export const RemoveMemberFrame = z.object({
  type: z.literal("remove_member"),
  room: RoomName,
  user: UserName,
  ref: Ref,
});
/**
 * Extension: a page of a room's members (not only those online), by user id
 * after `after`; for those who may read the room.
 */
export const RoomMembersFrame = z.object({
  type: z.literal("room_members"),
  room: RoomName,
  after: z.string().max(128).optional(),
  limit: z.number().int().min(1).max(200).optional(),
  ref: Ref,
});

// ---- client → server, second edition: entries, read positions, search ----

/** Second edition: changes the text of one's own text entry `target`. */
export const EditFrame = z.object({
  type: z.literal("edit"),
  room: RoomName,
  target: Seq,
  text: z.string().min(1, "text must not be empty"),
  cid: ClientId,
  ref: Ref,
});
/** Second edition: deletes the text entry `target` (its text is erased from storage). */
export const DeleteFrame = z.object({
  type: z.literal("delete"),
  room: RoomName,
  target: Seq,
  cid: ClientId,
  ref: Ref,
});
/** Second edition: sets (`on: true`) or takes back one's `emoji` on the text entry `target`. */
export const ReactFrame = z.object({
  type: z.literal("react"),
  room: RoomName,
  target: Seq,
  emoji: Emoji,
  on: z.boolean(),
  cid: ClientId,
  ref: Ref,
});
/** Second edition: the account has read `room` up to `seq` (a position only moves forward). */
export const ReadFrame = z.object({ type: z.literal("read"), room: RoomName, seq: Seq, ref: Ref });
/**
 * Second edition: text entries containing every word of `q`, newest first,
 * in `room` or in every room the account may read. Extension `before`: the
 * `ts`, `room` and `seq` of the last result of the page before, for the
 * next page (results are ordered by `ts`, then `room`, then `seq`).
 */
export const SearchFrame = z.object({
  type: z.literal("search"),
  q: z.string().min(1, "q must not be empty").max(SEARCH_QUERY_MAX_CHARS),
  room: RoomName.optional(),
  limit: z.number().int().min(1).max(SEARCH_LIMIT_MAX).optional(),
  before: z.object({ ts: z.number(), room: RoomName, seq: Seq }).optional(),
  ref: Ref,
});

/** The second edition's client frames that add an entry to a room's log. */
export const EntryFrame = z.discriminatedUnion("type", [EditFrame, DeleteFrame, ReactFrame]);
export type EntryFrame = z.infer<typeof EntryFrame>;

/**
 * Second edition (`presence_summary`): a page of the users online in a room,
 * by name, after `after` (the `next` of the page before). Extension `prefix`:
 * only names starting with it, case-insensitive (the member list's search).
 */
export const MembersFrame = z.object({
  type: z.literal("members"),
  room: RoomName,
  after: z.string().min(1).max(MEMBER_NAME_MAX).optional(),
  prefix: z.string().max(MEMBER_NAME_MAX).optional(),
  limit: z.number().int().min(1).max(MEMBERS_LIMIT_MAX).optional(),
  ref: Ref,
});
export const PingFrame = z.object({ type: z.literal("ping"), t: z.number(), ref: Ref });
export const PongFrame = z.object({ type: z.literal("pong"), t: z.number(), ref: Ref });
export const AuthFrame = z.object({ type: z.literal("auth"), token: z.string().min(1), ref: Ref });
/**
 * Extension: asks for `status` frames, one now and one every sampling interval.
 * With `delta: true` only the first carries the whole history; the others carry
 * the samples taken since the frame before (see {@linkcode StatusFrame}).
 */
export const SubscribeStatusFrame = z.object({
  type: z.literal("subscribe_status"),
  delta: z.boolean().optional(),
  ref: Ref,
});
/** Extension: stops the `status` frames. */
export const UnsubscribeStatusFrame = z.object({
  type: z.literal("unsubscribe_status"),
  ref: Ref,
});
/**
 * Extension: from now on this connection hears `membership` frames, whenever
 * a membership of its account begins or ends (on any device). No reply; a
 * client that never sends it never gets one.
 */
export const SubscribeMembershipFrame = z.object({
  type: z.literal("subscribe_membership"),
  ref: Ref,
});

/**
 * The client frames about rooms, each with its `room` but `dm` (whose room is
 * named by its people) and `search` (whose `room` is optional): the server's
 * room layer answers them.
 */
export const RoomFrame = z.discriminatedUnion("type", [
  JoinFrame,
  LeaveFrame,
  SendFrame,
  HistoryFrame,
  TypingFrame,
  CreateRoomFrame,
  InviteFrame,
  DmFrame,
  SetRoleFrame,
  RemoveMemberFrame,
  RoomMembersFrame,
  EditFrame,
  DeleteFrame,
  ReactFrame,
  ReadFrame,
  SearchFrame,
  MembersFrame,
]);
export type RoomFrame = z.infer<typeof RoomFrame>;
export type RoomFrameType = RoomFrame["type"];

/** The client frames about the session itself: the server's hub answers them. */
export const SessionFrame = z.discriminatedUnion("type", [
  PingFrame,
  PongFrame,
  AuthFrame,
  SubscribeStatusFrame,
  UnsubscribeStatusFrame,
  SubscribeMembershipFrame,
]);
export type SessionFrame = z.infer<typeof SessionFrame>;

/** Any frame a client may send: a {@linkcode RoomFrame} or a {@linkcode SessionFrame}. */
export const ClientFrame = z.discriminatedUnion("type", [
  ...RoomFrame.options,
  ...SessionFrame.options,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame["type"];

/** The `type` of every {@linkcode RoomFrame}. */
export const ROOM_FRAME_TYPES: ReadonlySet<ClientFrameType> = new Set(
  RoomFrame.options.map((frame) => frame.shape.type.value),
);

/**
 * Whether a client frame is about a room (and so goes to the room layer);
 * otherwise it is a {@linkcode SessionFrame}.
 *
 * @example
 * ```ts
 * isRoomFrame({ type: "join", room: "general" }); // true
 * isRoomFrame({ type: "ping", t: 1 }); // false
 * ```
 */
export function isRoomFrame(frame: ClientFrame): frame is RoomFrame {
  return ROOM_FRAME_TYPES.has(frame.type);
}

// ---- server → client ------------------------------------------------------

export const Limits = z.object({
  max_frame_bytes: z.number().int().positive(),
  max_text_chars: z.number().int().positive(),
  rate: z.object({ burst: z.number().positive(), per_second: z.number().positive() }),
});
export type Limits = z.infer<typeof Limits>;

export const HelloFrame = z.object({
  type: z.literal("hello"),
  v: z.number().int(),
  session: z.string(),
  user: SessionUser,
  server_time: z.number(),
  heartbeat_ms: z.number().int().positive(),
  token_expires_at: z.number(),
  limits: Limits,
  features: z.array(z.string()),
  instance: z.string(),
});
/**
 * Extension `more`: true when a `since` catch-up was cut to a page (the oldest
 * messages after `since`); the client continues with `history` `after`.
 * Absent otherwise. Extensions of the second edition: the room's `visibility`,
 * the joiner's `room_role`, for a direct message its `people`, the
 * account's read position `read_seq` and `unread`, the text entries after it.
 *
 * Second edition (`presence_summary`): in a room with more than
 * `PRESENCE_LIST_MAX` users online, `presence` holds the first of them by name
 * and `presence_count` all of them; absent in a smaller room.
 */
export const JoinedFrame = z.object({
  type: z.literal("joined"),
  room: RoomName,
  head: Seq,
  recovered: z.boolean(),
  messages: z.array(Message),
  presence: z.array(PublicUser),
  presence_count: z.number().int().nonnegative().optional(),
  more: z.boolean().optional(),
  visibility: RoomVisibility.optional(),
  room_role: RoomRole.optional(),
  people: z.array(PublicUser).optional(),
  read_seq: Seq.optional(),
  unread: z.number().int().nonnegative().optional(),
  ref: Ref,
});
export const LeftFrame = z.object({ type: z.literal("left"), room: RoomName, ref: Ref });
export const AckFrame = z.object({
  type: z.literal("ack"),
  cid: z.string(),
  room: RoomName,
  seq: Seq,
  ts: z.number(),
  ref: Ref,
});
export const HistoryReplyFrame = z.object({
  type: z.literal("history"),
  room: RoomName,
  messages: z.array(Message),
  more: z.boolean(),
  ref: Ref,
});
export const MessageFrame = z.object({ ...messageShape, type: z.literal("message") })
  .superRefine(checkEntryShape);
/**
 * Who came and went. Second edition (`presence_summary`): in a room with more
 * than `PRESENCE_LIST_MAX` users online, only `count` (how many are online),
 * at most once a second, and no lists.
 */
export const PresenceFrame = z.object({
  type: z.literal("presence"),
  room: RoomName,
  joins: z.array(PublicUser).optional(),
  leaves: z.array(PublicUser).optional(),
  count: z.number().int().nonnegative().optional(),
});
/**
 * Someone is typing. Extension (`presence_summary`): in a big room, at most
 * one a second, naming up to three typists in `users` (`user` is the first of
 * them) and how many typed in `count`.
 */
export const TypingEventFrame = z.object({
  type: z.literal("typing"),
  room: RoomName,
  user: PublicUser,
  users: z.array(PublicUser).max(TYPING_NAMED_MAX).optional(),
  count: z.number().int().positive().optional(),
});
/**
 * Second edition (`presence_summary`): a page of the users online, by name;
 * `next` is the `after` of the next page, null after the last. Extension
 * `count`: everyone online in the room, whatever the `prefix`.
 */
export const MembersReplyFrame = z.object({
  type: z.literal("members"),
  room: RoomName,
  users: z.array(PublicUser),
  next: z.string().nullable(),
  count: z.number().int().nonnegative(),
  ref: Ref,
});
export const ServerPingFrame = z.object({ type: z.literal("ping"), t: z.number() });
export const PongReplyFrame = z.object({ type: z.literal("pong"), t: z.number(), ref: Ref });
/** Extension: `room`, the room a refused frame was about, when it was about one. */
export const ErrorFrame = z.object({
  type: z.literal("error"),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  recoverable: z.boolean(),
  retry_after_ms: z.number().int().nonnegative().optional(),
  room: RoomName.optional(),
  ref: Ref,
});
export const AuthOkFrame = z.object({
  type: z.literal("auth_ok"),
  token_expires_at: z.number(),
  ref: Ref,
});
export const TokenExpiringFrame = z.object({
  type: z.literal("token_expiring"),
  token_expires_at: z.number(),
});
export const ReconnectFrame = z.object({
  type: z.literal("reconnect"),
  after_ms: z.number().int().nonnegative(),
  reason: z.string(),
});
/**
 * Extension: the status, pushed to connections that sent `subscribe_status`:
 * the admin detail for role `admin`, the public summary for everyone else.
 * With `delta: true`, `summary.history` holds only the samples taken since the
 * previous frame: append them to the history held (`applyStatusDelta`).
 */
export const StatusFrame = z.object({
  type: z.literal("status"),
  summary: StatusResponse,
  delta: z.literal(true).optional(),
  ref: Ref,
});

/** Second edition: the answer to `invite`. */
export const InvitedFrame = z.object({
  type: z.literal("invited"),
  room: RoomName,
  user: PublicUser,
  ref: Ref,
});
/** Second edition: sent to every connection of an invited user; the room is theirs to join. */
export const InvitationFrame = z.object({
  type: z.literal("invitation"),
  room: RoomName,
  by: PublicUser,
});
/**
 * Extension: the account's membership of a room began or ended (on this or
 * another device, or by a moderator): every connection of the account that
 * sent `subscribe_membership` hears it.
 */
export const MembershipFrame = z.object({
  type: z.literal("membership"),
  room: RoomName,
  joined: z.boolean(),
});
/** Extension: the answer to `room_members`; `next` is the `after` of the next page, or null. */
export const RoomMembersReplyFrame = z.object({
  type: z.literal("room_members"),
  room: RoomName,
  members: z.array(RoomMemberEntry),
  next: z.string().nullable(),
  ref: Ref,
});
/** Extension: the answer to `set_role`. */
export const MemberRoleFrame = z.object({
  type: z.literal("member_role"),
  room: RoomName,
  user: PublicUser,
  role: RoomRole,
  ref: Ref,
});
/** Extension: the answer to `remove_member`. */
export const MemberRemovedFrame = z.object({
  type: z.literal("member_removed"),
  room: RoomName,
  user: PublicUser,
  ref: Ref,
});
/** Second edition: the account's read position in `room` moved (sent to its other connections). */
export const ReadEventFrame = z.object({ type: z.literal("read"), room: RoomName, seq: Seq });
/** Second edition: a text entry mentioned the account (sent to every connection of it). */
export const MentionFrame = z.object({
  type: z.literal("mention"),
  room: RoomName,
  seq: Seq,
  by: PublicUser,
  text: z.string(),
});
/** Second edition: the answer to `search`: text entries as they read now, newest first. */
export const SearchResultsFrame = z.object({
  type: z.literal("search_results"),
  q: z.string(),
  messages: z.array(Message),
  more: z.boolean(),
  ref: Ref,
});

/** Any frame the server may send. */
export const ServerFrame = z.discriminatedUnion("type", [
  HelloFrame,
  JoinedFrame,
  LeftFrame,
  AckFrame,
  HistoryReplyFrame,
  MessageFrame,
  PresenceFrame,
  TypingEventFrame,
  MembersReplyFrame,
  ServerPingFrame,
  PongReplyFrame,
  ErrorFrame,
  AuthOkFrame,
  TokenExpiringFrame,
  ReconnectFrame,
  StatusFrame,
  InvitedFrame,
  InvitationFrame,
  MembershipFrame,
  RoomMembersReplyFrame,
  MemberRoleFrame,
  MemberRemovedFrame,
  ReadEventFrame,
  MentionFrame,
  SearchResultsFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ServerFrameType = ServerFrame["type"];

/** The server frame whose `type` is `T`. */
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
/** The client frame whose `type` is `T`. */
export type ClientFrameOf<T extends ClientFrameType> = Extract<ClientFrame, { type: T }>;

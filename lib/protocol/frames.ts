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
import { ROOM_NAME_HELP, ROOM_NAME_PATTERN } from "./names.ts";
import { StatusResponse } from "./status.ts";

/** Room names: 1–64 characters of `a-z 0-9 - _`. */
export const RoomName = z.string().regex(ROOM_NAME_PATTERN, ROOM_NAME_HELP);

/** A client-chosen id for a send, so that retries are idempotent. */
export const ClientId = z.string().min(1).max(128);

/** Optional correlation id echoed on the reply. */
const Ref = z.string().max(128).optional();

const Seq = z.number().int().nonnegative();

/** A user as other people see them. */
export const PublicUser = z.object({ id: z.string(), name: z.string() });
export type PublicUser = z.infer<typeof PublicUser>;

/** A user with their role, as in `hello.user`. */
export const SessionUser = PublicUser.extend({
  role: z.enum(["user", "guest", "admin"]),
});
export type SessionUser = z.infer<typeof SessionUser>;
export type Role = SessionUser["role"];

/** A committed room message. */
export const Message = z.object({
  room: RoomName,
  seq: Seq,
  id: z.string(),
  cid: z.string(),
  user: PublicUser,
  text: z.string(),
  ts: z.number(),
});
export type Message = z.infer<typeof Message>;

// ---- client → server ------------------------------------------------------

export const JoinFrame = z.object({
  type: z.literal("join"),
  room: RoomName,
  since: Seq.optional(),
  ref: Ref,
});
export const LeaveFrame = z.object({ type: z.literal("leave"), room: RoomName, ref: Ref });
export const SendFrame = z.object({
  type: z.literal("send"),
  room: RoomName,
  text: z.string().min(1, "text must not be empty"),
  cid: ClientId,
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
 * The client frames about one room, each with its `room`: the server's room
 * layer answers them.
 */
export const RoomFrame = z.discriminatedUnion("type", [
  JoinFrame,
  LeaveFrame,
  SendFrame,
  HistoryFrame,
  TypingFrame,
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
 * Absent otherwise.
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
export const MessageFrame = Message.extend({ type: z.literal("message") });
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
export const ErrorFrame = z.object({
  type: z.literal("error"),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  recoverable: z.boolean(),
  retry_after_ms: z.number().int().nonnegative().optional(),
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
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ServerFrameType = ServerFrame["type"];

/** The server frame whose `type` is `T`. */
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
/** The client frame whose `type` is `T`. */
export type ClientFrameOf<T extends ClientFrameType> = Extract<ClientFrame, { type: T }>;

/**
 * What the browser checks of what it receives, without zod: every server
 * frame, the token reply, an HTTP error body, the room list, the status and
 * a status range's stored history. Each check here
 * mirrors the zod schema of the same name (`./frames.ts`, `./http.ts`,
 * `./status.ts`), which stays the contract and what the server parses with;
 * `tests/unit/protocol_guards_test.ts` feeds both a corpus of valid frames and
 * of every field made wrong in turn, and fails where they disagree. Change a
 * schema and its check together.
 *
 * @example
 * ```ts
 * const result = readServerFrame('{"type":"ping","t":1}');
 * if (result.ok) console.log(result.frame.type); // "ping"
 * if (isTokenResponse(await response.json())) startSession();
 * ```
 */
import {
  array,
  boolean,
  byKey,
  type Check,
  nullable,
  number,
  object,
  oneOf,
  optional,
  record,
  refine,
  type Shape,
  strictObject,
  string,
} from "./check.ts";
import { ERROR_CODES } from "./codes.ts";
import { EMOJI_MAX_UNITS, ENTRY_KINDS, entryProblem, type EntryShape } from "./entries.ts";
import { TYPING_NAMED_MAX } from "./big_rooms.ts";
import type { ServerFrame } from "./frames.ts";
import type { ErrorBody, RoomListResponse, TokenResponse, UserLookupResponse } from "./http.ts";
import {
  ROLES,
  ROOM_NAME_PATTERN,
  ROOM_ROLES,
  ROOM_VISIBILITIES,
  USER_LOOKUP_MAX,
} from "./names.ts";
import type { FrameError, ParseResult } from "./parse.ts";
import type { StatusRangeData, StatusResponse } from "./status.ts";
import { HISTORY_COLUMNS } from "./status_history.ts";
import {
  INCIDENT_NOTE_CHARS,
  INCIDENT_NOTES_MAX,
  INCIDENTS_SHOWN,
  STATUS_RANGES,
  UPTIME_DAYS,
} from "./status_range.ts";

// ---- shared pieces (frames.ts) ---------------------------------------------

const RoomName = string({ pattern: ROOM_NAME_PATTERN });
const Ref = optional(string({ max: 128 }));
const Seq = number({ int: true, min: 0 });
const PublicUser = object({ id: string(), name: string(), role: oneOf(ROLES) });
const ReactionName = string({ min: 1, max: EMOJI_MAX_UNITS });
const messageShape = {
  room: RoomName,
  seq: Seq,
  id: string(),
  cid: string(),
  user: PublicUser,
  text: optional(string()),
  ts: number(),
  kind: optional(oneOf(ENTRY_KINDS)),
  target: optional(Seq),
  emoji: optional(ReactionName),
  on: optional(boolean()),
  reply_to: optional(Seq),
  mentions: optional(array(string())),
  edited_at: optional(number()),
  deleted: optional(oneOf([true])),
  reactions: optional(record(array(string()), { key: ReactionName })),
};
/** An entry with the fields its kind needs (`entryProblem`). */
const entry = (shape: Shape) =>
  refine(object(shape), (value) => entryProblem(value as EntryShape) === null);
const Message = entry(messageShape);
const literal = (value: string) => oneOf([value]);

// ---- the status (status.ts) ------------------------------------------------

const Count = number({ int: true, min: 0 });
const Rate = number({ min: 0 });
const Millis = number({ min: 0 });
const LatencyPercentiles = object({ p50: nullable(Millis), p99: nullable(Millis) });

const StatusHistory = refine(
  object({
    interval_ms: number({ int: true, positive: true }),
    t: array(number()),
    connections: array(Count),
    users_online: array(Count),
    messages_per_second: array(Rate),
    delivery_p50_ms: array(nullable(Millis)),
    delivery_p99_ms: array(nullable(Millis)),
  }),
  (history) =>
    HISTORY_COLUMNS.every((column) =>
      (history[column] as unknown[]).length === (history.t as unknown[]).length
    ),
);

const RecentActivity = object({
  window_s: number({ int: true, positive: true }),
  messages: Count,
  deliveries: Count,
  delivery_ms: LatencyPercentiles,
});

const RangeInfo = object({
  name: oneOf(STATUS_RANGES),
  from: number(),
  to: number(),
  bucket_ms: number({ int: true, positive: true }),
});

const UptimeDay = object({
  day: number(),
  ok: Count,
  degraded: Count,
  down: Count,
  no_data: Count,
});

const Incident = object({
  id: number(),
  start: number(),
  end: nullable(number()),
  status: oneOf(["degraded", "down"]),
  reasons: array(string({ max: 200 }), { max: 10 }),
  notes: array(
    object({
      at: number(),
      by: string({ max: 64 }),
      text: string({ min: 1, max: INCIDENT_NOTE_CHARS }),
    }),
    { max: INCIDENT_NOTES_MAX },
  ),
});

const DrilldownRow = object({
  key: string(),
  label: string(),
  connections: Count,
  messages_per_second: Rate,
  delivery_p99_ms: nullable(Millis),
  errors: Count,
  series: array(nullable(Rate)),
});

const Drilldown = object({
  t: array(number()),
  interval_ms: number({ int: true, positive: true }),
  instances: array(DrilldownRow, { max: 16 }),
  rooms: array(DrilldownRow, { max: 10 }),
});

const rangeShape = {
  range: RangeInfo,
  uptime: array(UptimeDay, { max: UPTIME_DAYS }),
  incidents: array(Incident, { max: INCIDENTS_SHOWN }),
};

const StatusRangeDataCheck = object({
  ...rangeShape,
  history: StatusHistory,
  drilldown: optional(Drilldown),
});

const summaryShape = {
  status: oneOf(["ok", "degraded", "down"]),
  reasons: array(string()),
  server_time: number(),
  connections: Count,
  users_online: Count,
  rooms: Count,
  messages_per_second: Rate,
  delivery_latency_ms: LatencyPercentiles,
  isolates_up: Count,
  uptime_s: number({ min: 0 }),
  version: string(),
  build_id: string(),
  history: StatusHistory,
  recent: RecentActivity,
  last_message_at: nullable(number()),
  last_delivery: nullable(object({ at: number(), p50: Millis, p99: Millis })),
  range: optional(rangeShape.range),
  uptime: optional(rangeShape.uptime),
  incidents: optional(rangeShape.incidents),
};

const IsolateRow = object({
  id: string(),
  host: string(),
  region: nullable(string()),
  version: string(),
  build_id: string(),
  deno_version: string(),
  state: oneOf(["running", "draining"]),
  kv_ok: boolean(),
  started_at: number(),
  uptime_s: number({ min: 0 }),
  last_seen: number(),
  connections: Count,
  users: Count,
  rooms: Count,
  messages_per_second: Rate,
  memory: object({ rss_bytes: Count, heap_used_bytes: Count }),
});

const StatusResponseCheck = byKey("view", {
  public: strictObject({ view: literal("public"), ...summaryShape }),
  admin: strictObject({
    view: literal("admin"),
    ...summaryShape,
    isolates: array(IsolateRow),
    missing_isolates: array(object({ id: string(), host: string(), last_seen: number() })),
    cluster: object({
      engine: oneOf(["local", "kv", "postgres"]),
      instance: string(),
      instances: Count,
      expiry_ms: Count,
    }),
    refusals: record(Count),
    refusals_per_second: Rate,
    busiest_rooms: array(object({ room: string(), messages_per_second: Rate }), { max: 20 }),
    recent_errors: array(
      object({ ts: number(), isolate: string(), code: string(), message: string() }),
    ),
    latency_ms: object({
      commit: LatencyPercentiles,
      fanout: LatencyPercentiles,
      delivery: LatencyPercentiles,
      heartbeat_rtt: LatencyPercentiles,
    }),
    drilldown: optional(Drilldown),
  }),
});

// ---- server frames (frames.ts) ---------------------------------------------

const PositiveInt = number({ int: true, positive: true });

const ServerFrameCheck = byKey("type", {
  hello: object({
    type: literal("hello"),
    v: number({ int: true }),
    session: string(),
    user: PublicUser,
    server_time: number(),
    heartbeat_ms: PositiveInt,
    token_expires_at: number(),
    limits: object({
      max_frame_bytes: PositiveInt,
      max_text_chars: PositiveInt,
      rate: object({
        burst: number({ positive: true }),
        per_second: number({ positive: true }),
      }),
    }),
    features: array(string()),
    instance: string(),
  }),
  joined: object({
    type: literal("joined"),
    room: RoomName,
    head: Seq,
    recovered: boolean(),
    messages: array(Message),
    presence: array(PublicUser),
    presence_count: optional(number({ int: true, min: 0 })),
    more: optional(boolean()),
    visibility: optional(oneOf(ROOM_VISIBILITIES)),
    room_role: optional(oneOf(ROOM_ROLES)),
    people: optional(array(PublicUser)),
    read_seq: optional(Seq),
    unread: optional(Count),
    ref: Ref,
  }),
  left: object({ type: literal("left"), room: RoomName, ref: Ref }),
  ack: object({
    type: literal("ack"),
    cid: string(),
    room: RoomName,
    seq: Seq,
    ts: number(),
    ref: Ref,
  }),
  history: object({
    type: literal("history"),
    room: RoomName,
    messages: array(Message),
    more: boolean(),
    ref: Ref,
  }),
  message: entry({ ...messageShape, type: literal("message") }),
  presence: object({
    type: literal("presence"),
    room: RoomName,
    joins: optional(array(PublicUser)),
    leaves: optional(array(PublicUser)),
    count: optional(number({ int: true, min: 0 })),
  }),
  typing: object({
    type: literal("typing"),
    room: RoomName,
    user: PublicUser,
    users: optional(array(PublicUser, { max: TYPING_NAMED_MAX })),
    count: optional(PositiveInt),
  }),
  members: object({
    type: literal("members"),
    room: RoomName,
    users: array(PublicUser),
    next: nullable(string()),
    count: number({ int: true, min: 0 }),
    ref: Ref,
  }),
  ping: object({ type: literal("ping"), t: number() }),
  pong: object({ type: literal("pong"), t: number(), ref: Ref }),
  error: object({
    type: literal("error"),
    code: oneOf(ERROR_CODES),
    message: string(),
    recoverable: boolean(),
    retry_after_ms: optional(number({ int: true, min: 0 })),
    room: optional(RoomName),
    ref: Ref,
  }),
  auth_ok: object({ type: literal("auth_ok"), token_expires_at: number(), ref: Ref }),
  token_expiring: object({ type: literal("token_expiring"), token_expires_at: number() }),
  reconnect: object({
    type: literal("reconnect"),
    after_ms: number({ int: true, min: 0 }),
    reason: string(),
  }),
  status: object({
    type: literal("status"),
    summary: StatusResponseCheck,
    delta: optional(oneOf([true])),
    ref: Ref,
  }),
  invited: object({ type: literal("invited"), room: RoomName, user: PublicUser, ref: Ref }),
  invitation: object({ type: literal("invitation"), room: RoomName, by: PublicUser }),
  membership: object({ type: literal("membership"), room: RoomName, joined: boolean() }),
  room_members: object({
    type: literal("room_members"),
    room: RoomName,
    members: array(object({ user: PublicUser, role: oneOf(ROOM_ROLES) })),
    next: nullable(string()),
    ref: Ref,
  }),
  member_role: object({
    type: literal("member_role"),
    room: RoomName,
    user: PublicUser,
    role: oneOf(ROOM_ROLES),
    ref: Ref,
  }),
  member_removed: object({
    type: literal("member_removed"),
    room: RoomName,
    user: PublicUser,
    ref: Ref,
  }),
  read: object({ type: literal("read"), room: RoomName, seq: Seq }),
  mention: object({
    type: literal("mention"),
    room: RoomName,
    seq: Seq,
    by: PublicUser,
    text: string(),
  }),
  search_results: object({
    type: literal("search_results"),
    q: string(),
    messages: array(Message),
    more: boolean(),
    ref: Ref,
  }),
});

// ---- HTTP bodies (http.ts) -------------------------------------------------

const TokenResponseCheck = object({ token: string(), expires_at: number(), user: PublicUser });
const ErrorBodyCheck = object({
  error: object({ code: oneOf(ERROR_CODES), message: string() }),
});
const RoomListResponseCheck = object({
  rooms: array(object({
    room: RoomName,
    name: RoomName,
    visibility: oneOf(ROOM_VISIBILITIES),
    members: Count,
    online: Count,
    joined: boolean(),
    unread: Count,
    mentions: Count,
    people: optional(array(PublicUser)),
  })),
  next: nullable(RoomName),
});
const UserLookupResponseCheck = object({ users: array(PublicUser, { max: USER_LOOKUP_MAX }) });

/** Where a parsed server frame fails {@linkcode ServerFrame}'s schema; `null` when it does not. */
export const checkServerFrame: Check = ServerFrameCheck;

/** Where a value fails {@linkcode StatusResponse}'s schema; `null` when it does not. */
export const checkStatusResponse: Check = StatusResponseCheck;

/** Where a value fails {@linkcode StatusRangeData}'s schema; `null` when it does not. */
export const checkStatusRangeData: Check = StatusRangeDataCheck;

/**
 * Whether `value` is a {@linkcode TokenResponse} (`POST /api/login`, `/api/guest`, `/api/token`).
 *
 * @example
 * ```ts
 * if (isTokenResponse(body)) console.log(body.user.name);
 * ```
 */
export function isTokenResponse(value: unknown): value is TokenResponse {
  return TokenResponseCheck(value) === null;
}

/**
 * Whether `value` is an HTTP {@linkcode ErrorBody}.
 *
 * @example
 * ```ts
 * const message = isErrorBody(body) ? body.error.message : `HTTP ${status}`;
 * ```
 */
export function isErrorBody(value: unknown): value is ErrorBody {
  return ErrorBodyCheck(value) === null;
}

/**
 * Whether `value` is a {@linkcode RoomListResponse} (`GET /api/rooms`).
 *
 * @example
 * ```ts
 * if (isRoomListResponse(body)) show(body.rooms);
 * ```
 */
export function isRoomListResponse(value: unknown): value is RoomListResponse {
  return RoomListResponseCheck(value) === null;
}

/**
 * Whether `value` is a {@linkcode UserLookupResponse} (`GET /api/users`).
 *
 * @example
 * ```ts
 * if (isUserLookupResponse(body)) offer(body.users);
 * ```
 */
export function isUserLookupResponse(value: unknown): value is UserLookupResponse {
  return UserLookupResponseCheck(value) === null;
}

/**
 * Whether `value` is a {@linkcode StatusResponse} (`GET /api/status`).
 *
 * @example
 * ```ts
 * if (isStatusResponse(body)) show(body.status);
 * ```
 */
export function isStatusResponse(value: unknown): value is StatusResponse {
  return StatusResponseCheck(value) === null;
}

/**
 * The range part of a `GET /api/status?range=` answer (its `range`,
 * `history`, `uptime`, `incidents` and, for admins, `drilldown`), or null
 * when any of it breaks {@linkcode StatusRangeData}'s schema.
 *
 * @example
 * ```ts
 * const data = readStatusRangeData(await response.json());
 * if (data) show(data.uptime);
 * ```
 */
export function readStatusRangeData(value: unknown): StatusRangeData | null {
  if (StatusRangeDataCheck(value) !== null) return null;
  const { range, history, uptime, incidents, drilldown } = value as StatusRangeData;
  return { range, history, uptime, incidents, ...(drilldown ? { drilldown } : {}) };
}

function refused(field: string, message: string): { ok: false; error: FrameError } {
  return { ok: false, error: { field, message } };
}

/**
 * Parses one server frame (the client's side of `parseClientFrame`): JSON,
 * then {@linkcode checkServerFrame}. Never throws.
 *
 * @example
 * ```ts
 * readServerFrame('{"type":"ping"}');
 * // { ok: false, error: { field: "t", message: "t: not what the protocol allows here" } }
 * ```
 */
export function readServerFrame(text: string): ParseResult<ServerFrame> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return refused("", "frame is not valid JSON");
  }
  const failed = checkServerFrame(raw);
  if (failed === null) return { ok: true, frame: raw as ServerFrame };
  return failed === ""
    ? refused("", "frame must be a JSON object")
    : refused(failed, `${failed}: not what the protocol allows here`);
}

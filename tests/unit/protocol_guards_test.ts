/**
 * The browser's checks (`lib/protocol/guards.ts`) against the zod schemas
 * they mirror: on valid values of every kind, and on each of them with every
 * field in turn deleted, retyped, pushed past its bounds or joined by an extra
 * key, both must accept and refuse the same values.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { z } from "zod";
import { type Message, ServerFrame } from "../../lib/protocol/frames.ts";
import {
  checkServerFrame,
  checkStatusRangeData,
  checkStatusResponse,
  isErrorBody,
  isRoomListResponse,
  isTokenResponse,
  isUserLookupResponse,
  readServerFrame,
  readStatusRangeData,
} from "../../lib/protocol/guards.ts";
import type { Check } from "../../lib/protocol/check.ts";
import {
  ErrorBody,
  RoomListResponse,
  TokenResponse,
  UserLookupResponse,
} from "../../lib/protocol/http.ts";
import { StatusRangeData, StatusResponse } from "../../lib/protocol/status.ts";
import {
  statusDetail,
  statusHistory,
  statusRangeData,
  statusSummary,
} from "./ui_status_fixture.ts";

const USER = { id: "user:ada", name: "ada", role: "user" as const };
const GUEST = { id: "guest:zed", name: "zed", role: "guest" as const };
const MESSAGE: Message = {
  room: "general",
  seq: 7,
  id: "m7",
  cid: "c7",
  user: USER,
  text: "hello",
  ts: 1_700_000_000_000,
};
/** A text entry as `joined` and `history` fold it: answering, mentioning, edited, reacted to. */
const FOLDED: Message = {
  ...MESSAGE,
  seq: 8,
  id: "m8",
  cid: "c8",
  reply_to: 7,
  mentions: ["user:bob"],
  edited_at: 1_700_000_050_000,
  reactions: { "👍": ["user:ada", "user:bob"], "🇫🇷": ["user:bob"] },
};
const { text: _text, ...WITHOUT_TEXT } = MESSAGE;
const DELETED: Message = { ...WITHOUT_TEXT, seq: 9, id: "m9", cid: "c9", deleted: true };
/** One entry of each kind that changes a text entry. */
const CHANGES: Message[] = [
  { ...MESSAGE, seq: 10, id: "m10", cid: "c10", kind: "edit", target: 8, text: "hello!" },
  { ...WITHOUT_TEXT, seq: 11, id: "m11", cid: "c11", kind: "delete", target: 9 },
  {
    ...WITHOUT_TEXT,
    seq: 12,
    id: "m12",
    cid: "c12",
    kind: "reaction",
    target: 8,
    emoji: "👍",
    on: true,
  },
];
const SUMMARY = statusSummary({ history: statusHistory(2), reasons: ["kv slow"] });
const DETAIL = statusDetail({
  history: statusHistory(2),
  missing_isolates: [{ id: "c3", host: "host-c3", last_seen: 1_699_999_990_000 }],
  recent_errors: [{ ts: 1_699_999_999_000, isolate: "a1", code: "internal", message: "boom" }],
});

/** One valid frame of every server frame type, some with their optional fields. */
const SERVER_FRAMES: ServerFrame[] = [
  {
    type: "hello",
    v: 1,
    session: "s1",
    user: USER,
    server_time: 1_700_000_000_000,
    heartbeat_ms: 25_000,
    token_expires_at: 1_700_000_900_000,
    limits: { max_frame_bytes: 65_536, max_text_chars: 4_000, rate: { burst: 20, per_second: 5 } },
    features: ["resume", "status"],
    instance: "i1",
  },
  {
    type: "joined",
    room: "general",
    head: 7,
    recovered: true,
    messages: [MESSAGE],
    presence: [USER],
    presence_count: 1_284,
    more: true,
    ref: "r1",
  },
  { type: "left", room: "random", ref: "r2" },
  { type: "ack", cid: "c7", room: "general", seq: 7, ts: 1_700_000_000_000, ref: "r3" },
  { type: "history", room: "general", messages: [MESSAGE], more: false, ref: "r4" },
  { type: "message", ...MESSAGE },
  { type: "message", ...FOLDED, kind: "text" },
  ...CHANGES.map((entry): ServerFrame => ({ type: "message", ...entry })),
  { type: "read", room: "general", seq: 7 },
  { type: "mention", room: "general", seq: 8, by: USER, text: "hi @bob" },
  { type: "search_results", q: "hello", messages: [FOLDED, MESSAGE], more: true, ref: "r9" },
  { type: "search_results", q: "nothing", messages: [], more: false },
  {
    type: "joined",
    room: "general",
    head: 12,
    recovered: false,
    messages: [FOLDED, DELETED, ...CHANGES],
    presence: [],
    read_seq: 7,
    unread: 1,
  },
  { type: "presence", room: "general", joins: [USER], leaves: [] },
  { type: "presence", room: "general", count: 1_284 },
  { type: "typing", room: "general", user: USER },
  { type: "typing", room: "general", user: USER, users: [USER, USER, USER], count: 7 },
  { type: "members", room: "general", users: [USER], next: "ada", count: 1_284, ref: "r9" },
  { type: "members", room: "general", users: [], next: null, count: 0 },
  { type: "ping", t: 5 },
  { type: "pong", t: 5, ref: "r5" },
  {
    type: "error",
    code: "rate_limited",
    message: "slow down",
    recoverable: true,
    retry_after_ms: 1_000,
    ref: "r6",
  },
  { type: "error", code: "name_taken", message: "taken", recoverable: true, room: "general" },
  { type: "auth_ok", token_expires_at: 1_700_000_900_000, ref: "r7" },
  { type: "token_expiring", token_expires_at: 1_700_000_900_000 },
  { type: "reconnect", after_ms: 1_500, reason: "restarting" },
  { type: "status", summary: SUMMARY, delta: true, ref: "r8" },
  { type: "status", summary: DETAIL },
  { type: "invited", room: "team", user: GUEST, ref: "r9" },
  { type: "invitation", room: "team", by: USER },
  { type: "membership", room: "team", joined: false },
  {
    type: "room_members",
    room: "team",
    members: [{ user: USER, role: "owner" }, { user: GUEST, role: "member" }],
    next: "guest:zed",
    ref: "r10",
  },
  { type: "room_members", room: "team", members: [], next: null },
  { type: "member_role", room: "team", user: USER, role: "moderator", ref: "r11" },
  { type: "member_removed", room: "team", user: GUEST },
  {
    type: "joined",
    room: "dm-0a1b",
    head: 0,
    recovered: true,
    messages: [],
    presence: [],
    visibility: "dm",
    room_role: "member",
    people: [USER, GUEST],
  },
];

/** Values put in place of each field in turn: wrong types, bounds, patterns. */
const PROBES: unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 60,
  "",
  "x",
  "Not A Room",
  "r".repeat(129),
  [],
  ["x"],
  [0],
  {},
  { id: "x" },
];

type Path = (string | number)[];
type Node = Record<string | number, unknown>;

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Node)[key], root);
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root);
  const parent = valueAt(copy, path.slice(0, -1)) as Node;
  const last = path[path.length - 1];
  if (value === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Every path to a field or item inside `value`. */
function paths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== "object" || value === null) return [];
  const keys = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  return keys.flatMap((key) => {
    const path = [...prefix, key];
    return [path, ...paths((value as Node)[key], path)];
  });
}

/** The valid value, and every variant of it made by one change. */
function corpus(valid: unknown): unknown[] {
  const variants: unknown[] = [valid, null, [], "text", 1, {}, { type: "nope" }, { view: "nope" }];
  for (const path of paths(valid)) {
    for (const probe of PROBES) variants.push(setAt(valid, path, probe));
  }
  for (const path of [[], ...paths(valid)]) {
    const node = valueAt(valid, path);
    if (Array.isArray(node)) {
      // One item fewer, one more, and more than any bounded list holds.
      for (const items of [node.slice(1), [...node, node[0]], Array(25).fill(node[0])]) {
        variants.push(setAt(valid, path, items));
      }
    } else if (typeof node === "object" && node !== null) {
      const widened = { ...node, extra: 1 };
      variants.push(path.length === 0 ? widened : setAt(valid, path, widened));
    }
  }
  return variants;
}

/** Runs the corpus of each valid value through both and returns where they disagree. */
function disagreements(
  schema: z.ZodType,
  check: Check,
  valids: unknown[],
): { accepted: number; refused: number; differ: string[] } {
  let accepted = 0;
  let refused = 0;
  const differ: string[] = [];
  for (const valid of valids) {
    ok(schema.safeParse(valid).success, `fixture is valid: ${JSON.stringify(valid)}`);
    for (const value of corpus(valid)) {
      const byZod = schema.safeParse(value).success;
      const byCheck = check(value) === null;
      if (byZod) accepted++;
      else refused++;
      if (byZod !== byCheck) {
        differ.push(`zod ${byZod ? "accepts" : "refuses"}: ${JSON.stringify(value)}`);
      }
    }
  }
  return { accepted, refused, differ };
}

Deno.test("the corpus has a valid frame of every server frame type", () => {
  const types = new Set(ServerFrame.options.map((frame) => frame.shape.type.value));
  deepEqual(new Set(SERVER_FRAMES.map((frame) => frame.type)), types);
});

Deno.test("server frames: the check and zod agree on every valid and altered frame", () => {
  const { accepted, refused, differ } = disagreements(ServerFrame, checkServerFrame, SERVER_FRAMES);
  deepEqual(differ.slice(0, 10), [], `${differ.length} disagreements`);
  ok(accepted > 100, `${accepted} accepted`);
  ok(refused > 2_000, `${refused} refused`);
});

Deno.test("the status: the check and zod agree on both views and their alterations", () => {
  const { refused, differ } = disagreements(StatusResponse, checkStatusResponse, [SUMMARY, DETAIL]);
  deepEqual(differ.slice(0, 10), [], `${differ.length} disagreements`);
  ok(refused > 1_000, `${refused} refused`);
});

const ROW = {
  key: "a1",
  label: "host-a1",
  connections: 3,
  messages_per_second: 0.5,
  delivery_p99_ms: null,
  errors: 0,
  series: [0.5, null],
};
/** A range's stored history small enough for the corpus: two days, one incident, one row each. */
const RANGE: StatusRangeData = (() => {
  const data = statusRangeData("24h", { points: 2 });
  const drilldown = { t: [1, 2], interval_ms: 300_000, instances: [ROW], rooms: [ROW] };
  return { ...data, uptime: data.uptime.slice(-2), drilldown };
})();
const { drilldown: _, ...PUBLIC_RANGE } = RANGE;

Deno.test("a range's stored history: the check and zod agree, with and without a drill-down", () => {
  const { refused, differ } = disagreements(StatusRangeData, checkStatusRangeData, [
    RANGE,
    PUBLIC_RANGE,
  ]);
  deepEqual(differ.slice(0, 10), [], `${differ.length} disagreements`);
  ok(refused > 500, `${refused} refused`);
});

Deno.test("the status with a range: the check and zod agree on both views", () => {
  const { differ } = disagreements(StatusResponse, checkStatusResponse, [
    { ...SUMMARY, ...PUBLIC_RANGE },
    { ...DETAIL, ...RANGE },
  ]);
  deepEqual(differ.slice(0, 10), [], `${differ.length} disagreements`);
});

Deno.test("readStatusRangeData keeps the range's part of a whole answer, or gives null", () => {
  deepEqual(readStatusRangeData({ ...SUMMARY, ...PUBLIC_RANGE }), PUBLIC_RANGE);
  deepEqual(readStatusRangeData({ ...DETAIL, ...RANGE }), RANGE);
  equal(readStatusRangeData({ ...RANGE, range: { ...RANGE.range, name: "1y" } }), null);
  equal(readStatusRangeData(SUMMARY), null, "no range in a live answer");
});

Deno.test("token replies and error bodies: the checks and zod agree", () => {
  const token = { token: "a.b.c", expires_at: 1_700_000_900_000, user: USER };
  const error = { error: { code: "unauthorized", message: "log in again" } };
  const isToken: Check = (value) => isTokenResponse(value) ? null : "";
  const isError: Check = (value) => isErrorBody(value) ? null : "";
  deepEqual(disagreements(TokenResponse, isToken, [token]).differ, []);
  deepEqual(disagreements(ErrorBody, isError, [error]).differ, []);
});

Deno.test("room list pages: the check and zod agree, with and without a next page", () => {
  const entry = {
    room: "general",
    name: "general",
    visibility: "public" as const,
    members: 3,
    online: 1,
    joined: true,
    unread: 0,
    mentions: 0,
  };
  const dm = { ...entry, room: "dm-0a1b", name: "dm-0a1b", visibility: "dm" as const };
  const rooms = [entry, { ...dm, people: [USER, GUEST] }];
  const isRoomList: Check = (value) => isRoomListResponse(value) ? null : "";
  const { refused, differ } = disagreements(RoomListResponse, isRoomList, [
    { rooms, next: "random" },
    { rooms, next: null },
    { rooms: [], next: null },
  ]);
  deepEqual(differ.slice(0, 10), [], `${differ.length} disagreements`);
  ok(refused > 100, `${refused} refused`);
});

Deno.test("user lookups: the check and zod agree, up to the most one answer holds", () => {
  const isLookup: Check = (value) => isUserLookupResponse(value) ? null : "";
  const { refused, differ } = disagreements(UserLookupResponse, isLookup, [
    { users: [USER, GUEST] },
    { users: [] },
  ]);
  deepEqual(differ.slice(0, 10), [], `${differ.length} disagreements`);
  ok(refused > 50, `${refused} refused`);
});

Deno.test("readServerFrame returns the frame, or where and why it was refused", () => {
  deepEqual(readServerFrame('{"type":"ping","t":1}'), { ok: true, frame: { type: "ping", t: 1 } });
  deepEqual(readServerFrame("{oops"), {
    ok: false,
    error: { field: "", message: "frame is not valid JSON" },
  });
  deepEqual(readServerFrame("[1]"), {
    ok: false,
    error: { field: "", message: "frame must be a JSON object" },
  });
  const bad = readServerFrame(JSON.stringify({ ...SERVER_FRAMES[3], seq: -1 }));
  equal(bad.ok, false);
  if (!bad.ok) equal(bad.error.field, "seq");
  const nested = readServerFrame(
    JSON.stringify({ ...SERVER_FRAMES[1], messages: [{ ...MESSAGE, user: {} }] }),
  );
  if (!nested.ok) equal(nested.error.field, "messages.0.user.id");
  else ok(false, "a message without a user id is refused");
});

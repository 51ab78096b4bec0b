/**
 * Bodies of the HTTP endpoints of the contract.
 *
 * @example
 * ```ts
 * import { LoginBody } from "./http.ts";
 * LoginBody.safeParse({ name: "ada", password: "correct horse" }).success; // true
 * ```
 */
import { z } from "zod";
import { ERROR_CODES } from "./codes.ts";
import { PublicUser, RoomName, RoomVisibility, UserName } from "./frames.ts";
import { USER_LOOKUP_MAX } from "./names.ts";

/** The least length of a password, in characters. */
export const PASSWORD_MIN_CHARS = 8;

const Password = z.string().min(
  PASSWORD_MIN_CHARS,
  `password must be at least ${PASSWORD_MIN_CHARS} characters`,
).max(1024);

/** `POST /api/login`, and `POST /api/register` (second edition) with the same fields. */
export const LoginBody = z.object({ name: UserName, password: Password });
export type LoginBody = z.infer<typeof LoginBody>;

/** `POST /api/password` (second edition, with a bearer token). */
export const PasswordBody = z.object({
  old_password: z.string().min(1).max(1024),
  new_password: Password,
});
export type PasswordBody = z.infer<typeof PasswordBody>;

/** `POST /api/guest` */
export const GuestBody = z.object({ name: UserName });
export type GuestBody = z.infer<typeof GuestBody>;

/** The reply of login, register, guest and token; `user` carries its `role` (second edition). */
export const TokenResponse = z.object({
  token: z.string(),
  expires_at: z.number(),
  user: PublicUser,
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** The body of every HTTP error. */
export const ErrorBody = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** `GET /api/config` */
export const ConfigResponse = z.object({
  protocol: z.string(),
  versions: z.array(z.number().int()),
  endpoints: z.object({ ws: z.string(), events: z.string(), send: z.string() }),
  heartbeat_ms: z.number().int().positive(),
  limits: z.object({
    max_frame_bytes: z.number().int().positive(),
    max_text_chars: z.number().int().positive(),
    rate: z.object({ burst: z.number().positive(), per_second: z.number().positive() }),
    max_connections_per_user: z.number().int().positive(),
  }),
  features: z.array(z.string()),
});
export type ConfigResponse = z.infer<typeof ConfigResponse>;

/** Most rooms one `GET /api/rooms` page holds, and how many it holds unless asked. */
export const ROOM_PAGE_MAX = 500;
export const ROOM_PAGE_DEFAULT = 100;

/** `GET /api/rooms?limit=&cursor=`: a page of rooms after `cursor` (a room name). */
export const RoomListQuery = z.object({
  limit: z.string().regex(/^\d+$/, "limit: a whole number").transform(Number)
    .pipe(z.number().int().min(1).max(ROOM_PAGE_MAX, `limit: at most ${ROOM_PAGE_MAX}`))
    .optional(),
  cursor: RoomName.optional(),
});
export type RoomListQuery = z.infer<typeof RoomListQuery>;

const Count = z.number().int().nonnegative();

/**
 * One room of `GET /api/rooms` (second edition): its `visibility`, how many
 * `members` it has and how many people are `online` in it, whether the caller
 * is a member (`joined`), and the caller's `unread` and `mentions` there (0
 * until read positions are kept). Extensions: `name`, the same as `room` (the
 * field of the first list), and for a direct message its `people`.
 */
export const RoomListEntry = z.object({
  room: RoomName,
  name: RoomName,
  visibility: RoomVisibility,
  members: Count,
  online: Count,
  joined: z.boolean(),
  unread: Count,
  mentions: Count,
  people: z.array(PublicUser).optional(),
});
export type RoomListEntry = z.infer<typeof RoomListEntry>;

/** The reply of `GET /api/rooms`: rooms by name, and the cursor of the next page (null: none). */
export const RoomListResponse = z.object({
  rooms: z.array(RoomListEntry),
  next: RoomName.nullable(),
});
export type RoomListResponse = z.infer<typeof RoomListResponse>;

/** `GET /api/users?prefix=`: users whose name starts with `prefix` (case-folded). */
export const UserLookupQuery = z.object({
  prefix: z.string().min(1, "prefix: at least one character")
    .max(32, "prefix: at most 32 characters"),
});
export type UserLookupQuery = z.infer<typeof UserLookupQuery>;

/** The reply of `GET /api/users`: at most {@linkcode USER_LOOKUP_MAX} users, by name. */
export const UserLookupResponse = z.object({
  users: z.array(PublicUser).max(USER_LOOKUP_MAX),
});
export type UserLookupResponse = z.infer<typeof UserLookupResponse>;

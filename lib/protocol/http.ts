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
import { PublicUser, RoomName } from "./frames.ts";
import { USER_NAME_HELP, USER_NAME_PATTERN } from "./names.ts";

/** Display names: 1–32 characters, letters, digits, `-`, `_` and `.`. */
export const UserName = z.string().regex(USER_NAME_PATTERN, USER_NAME_HELP);

/** `POST /api/login` */
export const LoginBody = z.object({
  name: UserName,
  password: z.string().min(8, "password must be at least 8 characters").max(1024),
});
export type LoginBody = z.infer<typeof LoginBody>;

/** `POST /api/guest` */
export const GuestBody = z.object({ name: UserName });
export type GuestBody = z.infer<typeof GuestBody>;

/** The reply of login, guest and token. */
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

/** The reply of `GET /api/rooms`: rooms by name, and the cursor of the next page (null: none). */
export const RoomListResponse = z.object({
  rooms: z.array(z.object({ name: RoomName, members: z.number().int().nonnegative() })),
  next: RoomName.nullable(),
});
export type RoomListResponse = z.infer<typeof RoomListResponse>;

/**
 * WebSocket close codes of the contract, and what a client should do with each
 * (see `docs/protocol.md`).
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  SERVER_ERROR: 1011,
  RESTARTING: 1012,
  BAD_REQUEST: 4400,
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  HEARTBEAT_TIMEOUT: 4408,
  TOO_MANY_CONNECTIONS: 4409,
  RATE_LIMITED: 4429,
} as const;

/** One of the close codes in {@linkcode CloseCode}. */
export type CloseCode = typeof CloseCode[keyof typeof CloseCode];

/**
 * The `code` values an `error` frame or an HTTP error body may carry. The last
 * three come with the contract's second edition: `bad_credentials` (a login
 * with an unknown name or a wrong password, one answer for both), `name_taken`
 * (a name an account or an active guest holds) and `conflict` (`create_room`
 * of a taken name).
 */
export const ERROR_CODES = [
  "bad_frame",
  "bad_request",
  "not_joined",
  "rate_limited",
  "too_large",
  "forbidden",
  "unauthorized",
  "internal",
  "bad_credentials",
  "name_taken",
  "conflict",
] as const;

/** One of {@linkcode ERROR_CODES}. */
export type ErrorCode = typeof ERROR_CODES[number];

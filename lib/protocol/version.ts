/** The WebSocket subprotocol a client must offer to speak protocol version 1. */
export const PROTOCOL = "switchboard.v1";

/** Protocol versions this code speaks. */
export const VERSIONS = [1] as const;

/** The version carried in `hello.v`. */
export const VERSION = 1;

/**
 * Browsers cannot set headers on a WebSocket, so the access token travels as a
 * second subprotocol: `switchboard.bearer.<jwt>`.
 */
export const BEARER_PROTOCOL_PREFIX = "switchboard.bearer.";

/** Features announced in `hello.features` and `GET /api/config`. */
export const FEATURES = [
  "rooms",
  "history",
  "resume",
  "presence",
  "typing",
  "idempotent_send",
  "token_refresh",
  // Extension: `history` takes `after`, and a long `joined` catch-up is paged with `more`.
  "history_after",
  // Second edition: register apart from login, password change, guests holding their name.
  "accounts",
  // Second edition: membership kept per account on the server; `GET /api/rooms` per account.
  "membership",
  // Second edition: `create_room` (public or private), `invite`, moderators.
  "private_rooms",
  // Second edition: `dm`, one room per set of people.
  "dm",
  // Second edition: `edit` and `delete` entries in the room's log.
  "edits",
  // Second edition: `react` entries (a toggle per user, emoji and message).
  "reactions",
  // Second edition: `send` with `reply_to`.
  "replies",
  // Second edition: `read` positions per account, `read_seq` and `unread` in `joined` and the room list.
  "read_state",
  // Second edition: `@name` mentions found by the server, `mention` frames.
  "mentions",
  // Second edition: `search` over the rooms one may read.
  "search",
  // Second edition: big rooms summarize presence (`presence_count`, `count`) and page `members`.
  "presence_summary",
] as const;

/**
 * The Switchboard wire contract (see `docs/protocol.md`), shared by server and
 * client: frame schemas, HTTP bodies, close and error codes, the version, and
 * the rules both sides measure by (a text's length, a status history's span),
 * and the fold of a room's log entries into what the room shows.
 *
 * @example
 * ```ts
 * import { CloseCode, parseClientFrame, PROTOCOL } from "./mod.ts";
 * ```
 */
export * from "./version.ts";
export * from "./codes.ts";
export * from "./entries.ts";
export * from "./fold.ts";
export * from "./frames.ts";
export * from "./big_rooms.ts";
export * from "./guards.ts";
export * from "./http.ts";
export * from "./names.ts";
export * from "./parse.ts";
export * from "./search.ts";
export * from "./status.ts";
export * from "./next_path.ts";
export * from "./status_history.ts";
export * from "./status_range.ts";
export * from "./text.ts";

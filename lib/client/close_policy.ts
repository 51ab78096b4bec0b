/**
 * What the client does when a connection ends, from the contract's close codes
 * (docs/protocol.md, "Close codes"), and how the end is classified for the
 * attempts list.
 *
 * @example
 * ```ts
 * decideClose({ code: 4401, reason: "expired" }, { longDelayMs: 60_000 });
 * // { kind: "refresh_token" }
 * classifyClose({ code: 1006, reason: "" }, { opened: true, ready: false }); // "handshake"
 * ```
 */
import { CloseCode } from "../protocol/codes.ts";
import type { AttemptCause } from "./states.ts";
import type { TransportClose } from "./transport.ts";

/** The client's move after a close. */
export type CloseAction =
  /** 1000: the server ended the session on purpose; stay closed. */
  | { kind: "stop" }
  /** 4400, 4403: retrying cannot help; show the reason. */
  | { kind: "fail" }
  /** 4401: get a fresh token, then reconnect at once. */
  | { kind: "refresh_token" }
  /** 4409, or a `reconnect` frame: wait exactly this long. */
  | { kind: "delay"; ms: number }
  /** Everything else: wait out the backoff. */
  | { kind: "backoff" };

/** Options of {@linkcode decideClose}. */
export interface ClosePolicyOptions {
  /** The wait after 4409 (too many connections for this user). */
  longDelayMs: number;
}

/** Decides the move after a close with `close.code`. */
export function decideClose(close: TransportClose, options: ClosePolicyOptions): CloseAction {
  switch (close.code) {
    case CloseCode.NORMAL:
      return { kind: "stop" };
    case CloseCode.BAD_REQUEST:
    case CloseCode.FORBIDDEN:
      return { kind: "fail" };
    case CloseCode.UNAUTHORIZED:
      return { kind: "refresh_token" };
    case CloseCode.TOO_MANY_CONNECTIONS:
      return { kind: "delay", ms: options.longDelayMs };
    default:
      return { kind: "backoff" };
  }
}

/** How far a connection got before it ended. */
export interface ConnectionProgress {
  /** The socket opened (or the event stream answered). */
  opened: boolean;
  /** `hello` arrived. */
  ready: boolean;
}

/**
 * Classifies an end: the close code when it says something, otherwise how far
 * the connection got — never opened is `network`, opened but no `hello` is
 * `handshake` (a proxy that lets the upgrade through and then kills it),
 * after `hello` it is `abnormal`.
 */
export function classifyClose(close: TransportClose, progress: ConnectionProgress): AttemptCause {
  switch (close.code) {
    case CloseCode.UNAUTHORIZED:
    case CloseCode.FORBIDDEN:
      return "auth";
    case CloseCode.BAD_REQUEST:
      return "handshake";
    case CloseCode.HEARTBEAT_TIMEOUT:
      return "timeout";
    case CloseCode.TOO_MANY_CONNECTIONS:
    case CloseCode.RATE_LIMITED:
      return "rate_limited";
    case CloseCode.GOING_AWAY:
    case CloseCode.POLICY:
    case CloseCode.TOO_BIG:
    case CloseCode.SERVER_ERROR:
    case CloseCode.RESTARTING:
      return "server_error";
  }
  if (!progress.opened) return "network";
  if (!progress.ready) return "handshake";
  return "abnormal";
}

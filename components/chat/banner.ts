/**
 * What the connection banner says: the client's state in words, with the one
 * action that helps. `null` means all is well and no banner shows.
 *
 * @example
 * ```ts
 * describeConnection({ ...snapshot, state: "reconnecting", nextRetryAt: now + 4_000 }, now);
 * // { tone: "warn", text: "Reconnecting in 4 s", detail: null, action: "retry" }
 * ```
 */
import type { ConnectionState } from "../../lib/client/states.ts";
import type { TransportKind } from "../../lib/client/transport.ts";
import { secondsUntil } from "./format.ts";

/** The parts of the client's state the banner depends on. */
export interface ConnectionSnapshot {
  state: ConnectionState;
  online: boolean;
  nextRetryAt: number | null;
  attempt: number;
  transport: TransportKind;
  lastError: string | null;
  outboxSize: number;
  /** The server's answer to a send it will be retried (the client's `sendTrouble`). */
  sendTrouble: string | null;
}

/** `retry`: reconnect now; `connect`: start again after `closed` or `failed`. */
export type BannerAction = "retry" | "connect";

/** One banner. */
export interface Banner {
  tone: "info" | "warn" | "bad";
  text: string;
  detail: string | null;
  action: BannerAction | null;
}

function waiting(outboxSize: number): string | null {
  if (outboxSize === 0) return null;
  return outboxSize === 1 ? "1 message waiting to send" : `${outboxSize} messages waiting to send`;
}

/** The banner for `snapshot` at time `now`, or null when connected and healthy. */
export function describeConnection(snapshot: ConnectionSnapshot, now: number): Banner | null {
  const { state, online, nextRetryAt, attempt, lastError, outboxSize, sendTrouble } = snapshot;
  const pending = waiting(outboxSize);
  if (!online && state !== "closed" && state !== "failed") {
    return {
      tone: "warn",
      text: "Offline — messages will be sent when you're back",
      detail: pending,
      action: null,
    };
  }
  switch (state) {
    case "open":
      // Connected, but the server cannot store messages (its database is away): they wait.
      return sendTrouble === null || outboxSize === 0 ? null : {
        tone: "warn",
        text: "The server can't store messages right now — they will be sent when it can",
        detail: pending,
        action: null,
      };
    case "idle":
      return { tone: "info", text: "Connecting…", detail: null, action: null };
    case "connecting":
      return attempt > 1
        ? {
          tone: "warn",
          text: `Reconnecting… (attempt ${attempt})`,
          detail: pending,
          action: null,
        }
        : { tone: "info", text: "Connecting…", detail: pending, action: null };
    case "reconnecting":
      return {
        tone: "warn",
        text: nextRetryAt === null
          ? "Reconnecting…"
          : `Reconnecting in ${secondsUntil(nextRetryAt, now)} s`,
        detail: pending,
        action: "retry",
      };
    case "degraded":
      return {
        tone: "warn",
        text: "Connection is slow — messages may take a moment",
        detail: pending,
        action: null,
      };
    case "fallback":
      return {
        tone: "info",
        text: "Using fallback connection",
        detail: "WebSockets are not getting through; chat continues over HTTP.",
        action: null,
      };
    case "failed":
      return {
        tone: "bad",
        text: "Can't connect",
        detail: lastError,
        action: "connect",
      };
    case "closed":
      return { tone: "info", text: "Disconnected", detail: pending, action: "connect" };
  }
}

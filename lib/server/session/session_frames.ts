/**
 * The hub's answers to the frames about the session itself (the protocol's
 * `SessionFrame`s): `ping` gets `pong`, a `pong` times the heartbeat's round
 * trip, `auth` swaps the connection's token for a fresher one of the same user
 * (anything else closes it with 4401), `subscribe_status` /
 * `unsubscribe_status` go to the status feed, in the admin view for admins,
 * and `subscribe_membership` lets the connection hear `membership` frames.
 * Room frames never come here: the room layer answers those.
 *
 * @example
 * ```ts
 * const answer = createSessionFrames({ tokens, metrics, statusFeed, closeWith });
 * await answer(connection, { type: "ping", t: 1 }, clock.now()); // connection gets pong
 * ```
 */
import { CloseCode } from "../../protocol/codes.ts";
import type { ClientFrameOf, SessionFrame } from "../../protocol/frames.ts";
import type { TokenIssuer } from "../auth/mod.ts";
import type { SwitchboardMetrics } from "../metrics/mod.ts";
import type { Connection } from "./connection.ts";
import type { StatusFeed } from "./status_feed.ts";

/** What {@linkcode createSessionFrames} needs. */
export interface SessionFramesOptions {
  tokens: Pick<TokenIssuer, "verify">;
  metrics: Pick<SwitchboardMetrics, "heartbeatRtt">;
  /** Where `subscribe_status` frames subscribe. */
  statusFeed: Pick<StatusFeed, "subscribe" | "unsubscribe">;
  /** Closes a connection for cause, saying why in the log. */
  closeWith(connection: Connection, code: number, reason: string): void;
}

/** Answers one session frame of an open connection; `receivedAt` is when it arrived. */
export type AnswerSessionFrame = (
  connection: Connection,
  frame: SessionFrame,
  receivedAt: number,
) => Promise<void>;

/** Creates the answers to session frames. */
export function createSessionFrames(options: SessionFramesOptions): AnswerSessionFrame {
  const { tokens, metrics, statusFeed, closeWith } = options;

  const refreshToken = async (connection: Connection, frame: ClientFrameOf<"auth">) => {
    const ref = frame.ref === undefined ? {} : { ref: frame.ref };
    const result = await tokens.verify(frame.token);
    if (!result.ok || result.user.id !== connection.user.id) {
      const reason = result.ok ? "token is for another user" : result.reason;
      connection.sendError("unauthorized", reason, { ...ref, recoverable: false });
      closeWith(connection, CloseCode.UNAUTHORIZED, reason);
      return;
    }
    connection.tokenExpiresAt = result.expiresAt;
    connection.loginId = result.loginId;
    connection.tokenWarned = false;
    connection.send({ type: "auth_ok", token_expires_at: result.expiresAt, ...ref });
  };

  return async (connection, frame, receivedAt) => {
    switch (frame.type) {
      case "ping":
        connection.send({
          type: "pong",
          t: frame.t,
          ...(frame.ref === undefined ? {} : { ref: frame.ref }),
        });
        return;
      case "pong": {
        const roundTrip = receivedAt - frame.t;
        if (roundTrip >= 0) metrics.heartbeatRtt.observe(roundTrip);
        return;
      }
      case "auth":
        await refreshToken(connection, frame);
        return;
      case "subscribe_status":
        statusFeed.subscribe(
          connection,
          frame,
          connection.user.role === "admin" ? "admin" : "public",
        );
        return;
      case "unsubscribe_status":
        statusFeed.unsubscribe(connection);
        return;
      case "subscribe_membership":
        connection.hearsMembership = true;
        return;
    }
  };
}

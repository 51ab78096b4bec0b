/**
 * A per-user budget of costly room frames (new rooms and invitations;
 * searches), beyond the connection's own frame rate: `n` a minute, then
 * `error` `rate_limited` with `retry_after_ms`. The budget counts per user,
 * so several tabs share it.
 *
 * @example
 * ```ts
 * const searches = createUserBudget({ perMinute: 30, clock, replies, refusal: "too many searches" });
 * if (!searches.charge(member, frame.ref)) return; // answered already
 * ```
 */
import type { Clock } from "../../time/clock.ts";
import { createKeyedLimiter } from "../limits/mod.ts";
import type { RoomMember } from "./member.ts";
import type { RoomReplies } from "./room_replies.ts";

/** What {@linkcode createUserBudget} needs. */
export interface UserBudgetOptions {
  perMinute: number;
  clock: Clock;
  replies: Pick<RoomReplies, "reply">;
  /** What a refused frame is told, before "; try again later". */
  refusal: string;
}

/** A budget per user. */
export interface UserBudget {
  /** Charges one to `member`'s user; false (after answering `rate_limited`) when over it. */
  charge(member: RoomMember, ref?: string): boolean;
}

/** Creates a {@linkcode UserBudget}. */
export function createUserBudget(options: UserBudgetOptions): UserBudget {
  const { perMinute, clock, refusal } = options;
  const limiter = createKeyedLimiter({
    burst: perMinute,
    perSecond: perMinute / 60,
    clock,
    maxKeys: 10_000,
  });
  return {
    charge(member, ref) {
      const waitMs = limiter.take(member.user.id);
      if (waitMs === 0) return true;
      options.replies.reply(member, {
        type: "error",
        code: "rate_limited",
        message: `${refusal}; try again later`,
        recoverable: true,
        retry_after_ms: waitMs,
        ref,
      });
      return false;
    },
  };
}

/**
 * The per-user budget of costly room frames (searches, new rooms and
 * invitations): a user's tabs share it, another user has their own, and a
 * frame over it is answered `rate_limited` with when to try again.
 */
import { deepEqual, equal } from "node:assert/strict";
import { createUserBudget } from "../../lib/server/rooms/user_budget.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { recordingMember } from "../_helpers/room_member.ts";

function budgetOf(perMinute: number) {
  const clock = createVirtualClock(1_000_000);
  const budget = createUserBudget({
    perMinute,
    clock,
    replies: { reply: (member, frame) => member.sendText(JSON.stringify(frame)) },
    refusal: "too many searches",
  });
  return { clock, budget };
}

Deno.test("user budget: n a minute per user, shared by the user's tabs, then rate_limited", () => {
  const { clock, budget } = budgetOf(30);
  const tab = recordingMember(1);
  const otherTab = { ...recordingMember(2), user: tab.user };
  const someoneElse = recordingMember(3);

  for (let charge = 0; charge < 15; charge++) {
    equal(budget.charge(tab, "r"), true);
    equal(budget.charge(otherTab, "r"), true);
  }
  equal(budget.charge(tab, "over"), false, "the 31st of one user is refused");
  deepEqual(tab.of("error"), [{
    type: "error",
    code: "rate_limited",
    message: "too many searches; try again later",
    recoverable: true,
    retry_after_ms: 2_000,
    ref: "over",
  }]);
  equal(budget.charge(someoneElse), true, "another user has a budget of their own");

  clock.advance(2_000);
  equal(budget.charge(otherTab), true, "one more after a minute's thirtieth");
  equal(budget.charge(otherTab), false);
});

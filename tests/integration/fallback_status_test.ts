/**
 * `subscribe_status` by role, over the fallback transport (the frames are the
 * WebSocket's): an admin's `status` frames carry the detail, everyone else's
 * the public summary, at once and at every interval.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import type { Role } from "../../lib/protocol/frames.ts";
import { StatusDetail, StatusSummary } from "../../lib/protocol/status.ts";
import { openEventStream, requestEventStream } from "./fallback_stream.ts";

const START = 1_800_000_000_000;

async function tokenFor(server: TestServer, name: string, role: Role) {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role })).token;
}

Deno.test("subscribe_status: an admin gets isolates and refusals; a user gets the summary", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  await using root = await openEventStream(server.origin, await tokenFor(server, "root", "admin"));
  await using ada = await openEventStream(server.origin, await tokenFor(server, "ada", "user"));
  const refused = await requestEventStream(server.origin, "not.a.jwt");
  equal(refused.status, 401);
  await refused.body?.cancel();

  equal((await root.post({ type: "subscribe_status", ref: "r" })).status, 202);
  equal((await ada.post({ type: "subscribe_status", ref: "a" })).status, 202);
  const first = await root.nextOf("status");
  equal(first.ref, "r");
  const detail = StatusDetail.parse(first.summary);
  deepEqual(detail.isolates.map((isolate) => isolate.id), [server.services.instance]);
  const summary = StatusSummary.parse((await ada.nextOf("status")).summary);
  ok(!("isolates" in summary) && !("refusals" in summary), "nothing of the detail leaks");

  // At the next interval each gets its own view again, with the refusal counted by then.
  clock.advance(5_000);
  const next = StatusDetail.parse((await root.nextOf("status")).summary);
  equal(next.refusals.auth, 1);
  equal(next.isolates[0].connections, 2);
  const nextSummary = StatusSummary.parse((await ada.nextOf("status")).summary);
  equal(nextSummary.connections, 2);
});

import { deepEqual, equal, throws } from "node:assert/strict";
import { createLiveStatus, type StatusPushSource } from "../../lib/client/live_status.ts";
import type { StatusResponse } from "../../lib/protocol/status.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { statusDetail, statusSummary } from "./ui_status_fixture.ts";

const URL_ = "http://switchboard.test/api/status";
const INTERVAL = 5_000;

/** A `fetch` whose answers the test gives, one request at a time. */
function scriptedFetch() {
  const requests: { url: string; signal: AbortSignal; answer: (r: Response | Error) => void }[] =
    [];
  const fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init?.signal ?? new AbortController().signal;
      signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      requests.push({
        url: String(input),
        signal,
        answer: (r) => (r instanceof Error ? reject(r) : resolve(r)),
      });
    });
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

/** A push source like the chat client's, counting subscriptions; `push` delivers a status. */
function pushSource() {
  const listeners = new Set<(status: StatusResponse) => void>();
  const calls = { subscribed: 0, unsubscribed: 0 };
  const source: StatusPushSource = {
    subscribeStatus(onStatus) {
      calls.subscribed++;
      listeners.add(onStatus);
      return () => {
        calls.unsubscribed++;
        listeners.delete(onStatus);
      };
    },
  };
  const push = (status: StatusResponse) => listeners.forEach((onStatus) => onStatus(status));
  return { source, push, calls };
}

/** Lets the awaited fetch and JSON settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(push?: StatusPushSource) {
  const clock = createVirtualClock(1_700_000_000_000);
  const http = scriptedFetch();
  const initial = statusSummary({ server_time: clock.now(), connections: 1 });
  const live = createLiveStatus({ initial, clock, push, url: URL_, fetch: http.fetch });
  return { clock, http, initial, live };
}

Deno.test("live status: polls GET /api/status every interval when nothing is pushed", async () => {
  const { clock, http, initial, live } = setup();
  equal(live.mode.value, "idle");
  live.start();
  equal(live.mode.value, "waiting");
  equal(http.requests.length, 0, "the page's own numbers are fresh: no poll at once");

  clock.advance(INTERVAL);
  equal(http.requests.length, 1);
  equal(http.requests[0].url, URL_);
  const newer = statusSummary({ server_time: clock.now(), connections: 7 });
  http.requests[0].answer(Response.json(newer));
  await settle();
  equal(live.status.value.connections, 7);
  equal(live.mode.value, "polling");
  equal(live.receivedAt.value, clock.now());
  equal(initial.connections, 1, "the initial status is not mutated");

  clock.advance(INTERVAL);
  equal(http.requests.length, 2);
  live.stop();
});

Deno.test("live status: a failed poll says unreachable, keeps the numbers, and recovers", async () => {
  const { clock, http, live } = setup();
  live.start();

  for (
    const failure of [
      new Response("oops", { status: 500 }),
      Response.json({ view: "public", status: "fine" }),
      new TypeError("network down"),
    ]
  ) {
    clock.advance(INTERVAL);
    http.requests.at(-1)!.answer(failure);
    await settle();
    equal(live.mode.value, "unreachable");
    equal(live.status.value.connections, 1);
  }

  clock.advance(INTERVAL);
  http.requests.at(-1)!.answer(Response.json(statusDetail({ server_time: clock.now() })));
  await settle();
  equal(live.mode.value, "polling");
  equal(live.status.value.view, "admin", "either view is accepted");
  live.stop();
});

Deno.test("live status: prefers pushes, polls only after two silent intervals", async () => {
  const push = pushSource();
  const { clock, http, live } = setup(push.source);
  live.start();
  equal(push.calls.subscribed, 1);

  push.push(statusSummary({ server_time: clock.now() + 1, connections: 3 }));
  equal(live.mode.value, "live");
  equal(live.status.value.connections, 3);

  clock.advance(INTERVAL);
  equal(http.requests.length, 0, "a push within two intervals: no poll");

  clock.advance(INTERVAL);
  equal(http.requests.length, 1, "two intervals of silence: poll");
  http.requests[0].answer(
    Response.json(statusSummary({ server_time: clock.now(), connections: 4 })),
  );
  await settle();
  equal(live.mode.value, "polling");

  push.push(statusSummary({ server_time: clock.now() + 1, connections: 5 }));
  deepEqual([live.mode.value, live.status.value.connections], ["live", 5]);

  live.stop();
  equal(push.calls.unsubscribed, 1);
  push.push(statusSummary({ server_time: clock.now() + 2, connections: 6 }));
  equal(live.status.value.connections, 5, "a stopped live status ignores pushes");
});

Deno.test("live status: an answer older than the status shown is ignored", async () => {
  const push = pushSource();
  const { clock, http, live } = setup(push.source);
  live.start();
  clock.advance(2 * INTERVAL);
  const slowPollSentAt = clock.now() - 1;
  push.push(statusSummary({ server_time: clock.now() + 10, connections: 9 }));
  http.requests[0].answer(Response.json(statusSummary({ server_time: slowPollSentAt })));
  await settle();
  deepEqual([live.mode.value, live.status.value.connections], ["live", 9]);
  live.stop();
});

Deno.test("live status: a hanging poll is abandoned for the next one; stop ends everything", async () => {
  const { clock, http, live } = setup();
  live.start();
  clock.advance(INTERVAL);
  clock.advance(INTERVAL);
  equal(http.requests.length, 2);
  equal(http.requests[0].signal.aborted, true, "the first poll was abandoned");
  await settle();
  equal(live.mode.value, "waiting", "an abandoned poll is not a failure");

  live.stop();
  equal(http.requests[1].signal.aborted, true);
  equal(clock.pending(), 0, "no timer left");
  equal(live.mode.value, "idle");
  await settle();
  equal(live.mode.value, "idle", "the aborted poll does not change the mode");
});

Deno.test("live status: outside a page it needs a url", () => {
  const clock = createVirtualClock(0);
  throws(() => createLiveStatus({ initial: statusSummary(), clock }), /pass `url` outside a page/);
});

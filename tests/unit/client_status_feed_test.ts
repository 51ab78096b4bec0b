import { deepEqual, equal, throws } from "node:assert/strict";
import { signal } from "@preact/signals";
import { createStatusFeed, type StatusPushSource } from "../../lib/client/status_feed.ts";
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

/** A push source like the chat client's, counting subscriptions. */
function pushSource() {
  const status = signal<StatusResponse | null>(null);
  const calls = { subscribed: 0, unsubscribed: 0 };
  const source: StatusPushSource = {
    status,
    subscribeStatus() {
      calls.subscribed++;
      return () => void calls.unsubscribed++;
    },
  };
  return { source, status, calls };
}

/** Lets the feed's awaited fetch and JSON settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(push?: StatusPushSource) {
  const clock = createVirtualClock(1_700_000_000_000);
  const http = scriptedFetch();
  const initial = statusSummary({ server_time: clock.now(), connections: 1 });
  const feed = createStatusFeed({ initial, clock, push, url: URL_, fetch: http.fetch });
  return { clock, http, initial, feed };
}

Deno.test("status feed: polls GET /api/status every interval when nothing is pushed", async () => {
  const { clock, http, initial, feed } = setup();
  equal(feed.mode.value, "idle");
  feed.start();
  equal(feed.mode.value, "waiting");
  equal(http.requests.length, 0, "the page's own numbers are fresh: no poll at once");

  clock.advance(INTERVAL);
  equal(http.requests.length, 1);
  equal(http.requests[0].url, URL_);
  const newer = statusSummary({ server_time: clock.now(), connections: 7 });
  http.requests[0].answer(Response.json(newer));
  await settle();
  equal(feed.status.value.connections, 7);
  equal(feed.mode.value, "polling");
  equal(feed.receivedAt.value, clock.now());
  equal(initial.connections, 1, "the initial status is not mutated");

  clock.advance(INTERVAL);
  equal(http.requests.length, 2);
  feed.stop();
});

Deno.test("status feed: a failed poll says unreachable, keeps the numbers, and recovers", async () => {
  const { clock, http, feed } = setup();
  feed.start();

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
    equal(feed.mode.value, "unreachable");
    equal(feed.status.value.connections, 1);
  }

  clock.advance(INTERVAL);
  http.requests.at(-1)!.answer(Response.json(statusDetail({ server_time: clock.now() })));
  await settle();
  equal(feed.mode.value, "polling");
  equal(feed.status.value.view, "admin", "either view is accepted");
  feed.stop();
});

Deno.test("status feed: prefers pushes, polls only after two silent intervals", async () => {
  const push = pushSource();
  const { clock, http, feed } = setup(push.source);
  feed.start();
  equal(push.calls.subscribed, 1);

  push.status.value = statusSummary({ server_time: clock.now() + 1, connections: 3 });
  equal(feed.mode.value, "live");
  equal(feed.status.value.connections, 3);

  clock.advance(INTERVAL);
  equal(http.requests.length, 0, "a push within two intervals: no poll");

  clock.advance(INTERVAL);
  equal(http.requests.length, 1, "two intervals of silence: poll");
  http.requests[0].answer(
    Response.json(statusSummary({ server_time: clock.now(), connections: 4 })),
  );
  await settle();
  equal(feed.mode.value, "polling");

  push.status.value = statusSummary({ server_time: clock.now() + 1, connections: 5 });
  deepEqual([feed.mode.value, feed.status.value.connections], ["live", 5]);

  feed.stop();
  equal(push.calls.unsubscribed, 1);
  push.status.value = statusSummary({ server_time: clock.now() + 2, connections: 6 });
  equal(feed.status.value.connections, 5, "a stopped feed ignores pushes");
});

Deno.test("status feed: an answer older than the status shown is ignored", async () => {
  const push = pushSource();
  const { clock, http, feed } = setup(push.source);
  feed.start();
  clock.advance(2 * INTERVAL);
  const slowPollSentAt = clock.now() - 1;
  push.status.value = statusSummary({ server_time: clock.now() + 10, connections: 9 });
  http.requests[0].answer(Response.json(statusSummary({ server_time: slowPollSentAt })));
  await settle();
  deepEqual([feed.mode.value, feed.status.value.connections], ["live", 9]);
  feed.stop();
});

Deno.test("status feed: a hanging poll is abandoned for the next one; stop ends everything", async () => {
  const { clock, http, feed } = setup();
  feed.start();
  clock.advance(INTERVAL);
  clock.advance(INTERVAL);
  equal(http.requests.length, 2);
  equal(http.requests[0].signal.aborted, true, "the first poll was abandoned");
  await settle();
  equal(feed.mode.value, "waiting", "an abandoned poll is not a failure");

  feed.stop();
  equal(http.requests[1].signal.aborted, true);
  equal(clock.pending(), 0, "no timer left");
  equal(feed.mode.value, "idle");
  await settle();
  equal(feed.mode.value, "idle", "the aborted poll does not change the mode");
});

Deno.test("status feed: outside a page it needs a url", () => {
  const clock = createVirtualClock(0);
  throws(() => createStatusFeed({ initial: statusSummary(), clock }), /pass `url` outside a page/);
});

import { deepEqual, equal, throws } from "node:assert/strict";
import { createStatusRanges } from "../../lib/client/status_ranges.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { statusRangeData, statusSummary } from "./ui_status_fixture.ts";

const URL_ = "http://switchboard.test/api/status";

/** A `fetch` whose answers the test gives, one request at a time. */
function scriptedFetch() {
  const requests: {
    url: string;
    init: RequestInit;
    answer: (response: Response | Error) => void;
  }[] = [];
  const fetch = (input: RequestInfo | URL, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      init.signal?.addEventListener(
        "abort",
        () => reject(new DOMException("aborted", "AbortError")),
      );
      requests.push({
        url: String(input),
        init,
        answer: (r) => (r instanceof Error ? reject(r) : resolve(r)),
      });
    });
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

/** Lets the awaited token, fetch and JSON settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** What `GET /api/status?range=` answers: the summary with the range's data. */
const answerFor = (range: Parameters<typeof statusRangeData>[0]) =>
  Response.json({ ...statusSummary(), ...statusRangeData(range) });

function setup(token: string | null = null) {
  const clock = createVirtualClock(1_700_000_000_000);
  const http = scriptedFetch();
  const ranges = createStatusRanges({
    range: "15m",
    initial: statusRangeData("15m"),
    clock,
    url: URL_,
    fetch: http.fetch,
    getToken: () => Promise.resolve(token),
  });
  return { clock, http, ranges };
}

Deno.test("status ranges: choosing a range reads it at once; the data follows", async () => {
  const { http, ranges } = setup();
  equal(ranges.state.value, "ready");
  ranges.select("24h");
  equal(ranges.range.value, "24h");
  equal(ranges.state.value, "loading");
  equal(ranges.data.value?.range.name, "15m", "the old data stays shown while loading");
  await settle();
  equal(http.requests.length, 1);
  equal(http.requests[0].url, `${URL_}?range=24h`);
  equal(new Headers(http.requests[0].init.headers).get("authorization"), null);
  http.requests[0].answer(answerFor("24h"));
  await settle();
  equal(ranges.state.value, "ready");
  equal(ranges.data.value?.range.name, "24h");
  equal(ranges.data.value?.uptime.length, 90);
  ranges.select("24h");
  await settle();
  equal(http.requests.length, 1, "the range shown is not read again on a click");
});

Deno.test("status ranges: read again every minute; a failed read keeps the data and says so", async () => {
  const { clock, http, ranges } = setup();
  ranges.start();
  clock.advance(60_000);
  await settle();
  equal(http.requests.length, 1);
  equal(http.requests[0].url, `${URL_}?range=15m`);
  for (
    const failure of [
      new Response("down", { status: 503 }),
      Response.json({ ...statusSummary(), range: { name: "1y" } }),
      new TypeError("offline"),
    ]
  ) {
    http.requests.at(-1)!.answer(failure);
    await settle();
    equal(ranges.state.value, "unavailable");
    equal(ranges.data.value?.range.name, "15m");
    clock.advance(60_000);
    await settle();
  }
  http.requests.at(-1)!.answer(answerFor("15m"));
  await settle();
  equal(ranges.state.value, "ready");
  ranges.stop();
  equal(clock.pending(), 0);
});

Deno.test("status ranges: a range chosen while another loads wins; a late answer is dropped", async () => {
  const { http, ranges } = setup();
  ranges.select("24h");
  await settle();
  ranges.select("7d");
  await settle();
  equal(http.requests.length, 2);
  equal(http.requests[0].init.signal?.aborted, true, "the first read was abandoned");
  http.requests[1].answer(answerFor("1h"));
  await settle();
  equal(ranges.state.value, "unavailable", "an answer for another range is not this one's");
  ranges.select("7d");
  await settle();
  http.requests[2].answer(answerFor("7d"));
  await settle();
  deepEqual([ranges.range.value, ranges.data.value?.range.name], ["7d", "7d"]);
});

Deno.test("status ranges: an admin reads with the token, and adds notes with it", async () => {
  const { http, ranges } = setup("admin-token");
  ranges.refresh();
  await settle();
  equal(new Headers(http.requests[0].init.headers).get("authorization"), "Bearer admin-token");
  http.requests[0].answer(answerFor("15m"));
  await settle();

  const added = ranges.addNote(42, "Looking into it.");
  await settle();
  const post = http.requests[1];
  equal(post.url, "http://switchboard.test/api/admin/incident-note");
  equal(post.init.method, "POST");
  equal(new Headers(post.init.headers).get("authorization"), "Bearer admin-token");
  deepEqual(JSON.parse(String(post.init.body)), { incident: 42, text: "Looking into it." });
  post.answer(Response.json({ incident: 42 }));
  equal(await added, null);
  await settle();
  equal(http.requests.length, 3, "the range is read again, with the note");

  const refused = ranges.addNote(42, "again");
  await settle();
  http.requests[3].answer(
    Response.json({ error: { code: "rate_limited", message: "too many notes" } }, { status: 429 }),
  );
  equal(await refused, "too many notes");
});

Deno.test("status ranges: without a token nobody adds notes; outside a page it needs a url", async () => {
  const { http, ranges } = setup(null);
  equal(await ranges.addNote(1, "hi"), "sign in as an admin to add notes");
  equal(http.requests.length, 0);
  throws(
    () => createStatusRanges({ range: "1h", initial: null, clock: createVirtualClock(0) }),
    /pass `url` outside a page/,
  );
});

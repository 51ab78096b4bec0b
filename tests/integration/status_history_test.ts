/**
 * The status history through the real server, in virtual time: it survives
 * a restart (a real KV file, two starts), two instances on one database
 * write one series, `GET /api/status?range=` answers bounded, validated
 * ranges (the drill-down for admins only), and admins add notes to
 * incidents through a bounded endpoint. (The page: status_page_test.ts.)
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { StatusDetail, StatusSummary } from "../../lib/protocol/status.ts";
import type { Role } from "../../lib/protocol/frames.ts";
import { MINUTE_MS } from "../../lib/server/status_history/mod.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";

/** A minute start, so the minutes of the test are whole. */
const START = Date.UTC(2027, 4, 10, 12, 0);
const TICK_MS = 5_000;

async function tokenFor(server: TestServer, name: string, role: Role = "user") {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role })).token;
}

async function getJson(url: string, token?: string) {
  const response = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Moves virtual time on by `ms`, a tick at a time, waiting after each until
 * every server wrote what it had to (as real time would let it: a lease is
 * renewed between ticks, not after a jump past its expiry).
 */
async function advance(clock: VirtualClock, ms: number, ...servers: TestServer[]) {
  for (let elapsed = 0; elapsed < ms; elapsed += TICK_MS) {
    clock.advance(Math.min(TICK_MS, ms - elapsed));
    for (const server of servers) await server.services.statusHistory.recorder.settled();
  }
}

/** A user who says `count` things in general. */
async function chatter(server: TestServer, name: string, count: number) {
  const socket = await openSocket(server.wsUrl, { token: await tokenFor(server, name) });
  await socket.nextOf("hello");
  socket.send({ type: "join", room: "general" });
  await socket.nextOf("joined");
  for (let index = 0; index < count; index++) {
    socket.send({ type: "send", room: "general", text: `message ${index}`, cid: `c${index}` });
    await socket.nextOf("ack");
  }
  return socket;
}

Deno.test("status history: what one run recorded is there after a restart on the same KV file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-history-" });
  const kvPath = `${dir}/switchboard.kv`;
  try {
    const clock = createVirtualClock(START);
    const first = await startTestServer({ clock, kvPath });
    const socket = await chatter(first, "ada", 3);
    await advance(clock, 3 * MINUTE_MS + TICK_MS, first);
    ok(first.services.statusHistory.recorder.writing, "the only instance writes");
    await socket[Symbol.asyncDispose]();
    await first.close();

    const later = createVirtualClock(START + 10 * MINUTE_MS);
    await using second = await startTestServer({ clock: later, kvPath });
    const { status, body } = await getJson(`${second.origin}/api/status?range=1h`);
    equal(status, 200);
    const summary = StatusSummary.parse(body);
    deepEqual(summary.range?.name, "1h");
    equal(summary.history.interval_ms, MINUTE_MS);
    deepEqual(
      summary.history.t.slice(0, 3),
      [START, START + MINUTE_MS, START + 2 * MINUTE_MS],
      "the first run's minutes",
    );
    ok(summary.history.connections[0] >= 1, "ada's connection was recorded");
    ok(summary.history.messages_per_second[0] > 0, "her messages too");
    equal(summary.last_message_at, START + MINUTE_MS, "the last message, from the store");
    ok(summary.last_delivery !== null);
    const today = summary.uptime!.at(-1)!;
    ok(today.ok >= 3, `today's recorded minutes: ${JSON.stringify(today)}`);
    equal(today.no_data, 12 * 60 + 10 - today.ok, "the rest of today so far has no data");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("status history: two instances on one database write one series", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = createVirtualClock(START);
    const a = await startTestServer({ clock, kv });
    const b = await startTestServer({ clock, kv });
    // Separate bus namespaces: neither sees the other's isolate over BroadcastChannel.
    ok(a.kvPath !== b.kvPath);
    await advance(clock, TICK_MS, a, b);
    deepEqual(a.services.view.isolates().map((r) => r.snapshot.isolate.id), [a.services.instance]);
    deepEqual(b.services.view.isolates().map((r) => r.snapshot.isolate.id), [b.services.instance]);

    await advance(clock, 3 * MINUTE_MS, a, b);
    const writers = [a, b].filter((server) => server.services.statusHistory.recorder.writing);
    equal(writers.length, 1, "one writer");
    const [writer] = writers;
    const other = writer === a ? b : a;
    const store = a.services.statusHistory.store;
    let minutes = await store.read("minute", { from: 0, to: Infinity, detail: true });
    deepEqual(minutes.map((m) => m.t), [START, START + MINUTE_MS, START + 2 * MINUTE_MS]);
    ok(minutes.every((m) => m.instances[0].id === writer.services.instance));

    // The writer shuts down (releasing the lease): the other carries the series on.
    await writer.close();
    await advance(clock, 2 * MINUTE_MS, other);
    ok(other.services.statusHistory.recorder.writing);
    minutes = await store.read("minute", { from: 0, to: Infinity, detail: true });
    deepEqual(
      minutes.map((m) => m.t),
      Array.from({ length: 5 }, (_, index) => START + index * MINUTE_MS),
      "one minute after another, none twice",
    );
    equal(minutes.at(-1)?.instances[0].id, other.services.instance);
    await other.close();
  } finally {
    kv.close();
  }
});

Deno.test("GET /api/status?range: validated, bounded, and the drill-down for admins only", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  const socket = await chatter(server, "ada", 2);
  await advance(clock, 2 * MINUTE_MS + TICK_MS, server);

  for (const bad of ["1y", "24H", "x".repeat(2_000)]) {
    const { status, body } = await getJson(`${server.origin}/api/status?range=${bad}`);
    equal(status, 400);
    deepEqual(body, {
      error: { code: "bad_request", message: "range must be one of 15m, 1h, 24h, 7d, 90d" },
    });
  }
  const limits = { "15m": 180, "1h": 60, "24h": 288, "7d": 168, "90d": 360 };
  for (const [range, most] of Object.entries(limits)) {
    const { status, body } = await getJson(`${server.origin}/api/status?range=${range}`);
    equal(status, 200);
    const summary = StatusSummary.parse(body);
    equal(summary.range?.name, range);
    ok(summary.history.t.length <= most, `${range}: ${summary.history.t.length} points`);
    equal(summary.uptime?.length, 90);
    ok(!("drilldown" in body), "no drill-down for the public");
  }
  const admin = await tokenFor(server, "root", "admin");
  const { body } = await getJson(`${server.origin}/api/status?range=1h`, admin);
  const detail = StatusDetail.parse(body);
  deepEqual(detail.drilldown?.instances.map((row) => row.key), [server.services.instance]);
  deepEqual(detail.drilldown?.rooms.map((row) => row.key), ["general"]);
  equal(detail.drilldown?.rooms[0].connections, 1);
  // Without a range, the live status as before: no stored history in it.
  const live = await getJson(`${server.origin}/api/status`);
  equal(live.body.range, undefined);
  equal(live.body.history.interval_ms, TICK_MS);
  await socket[Symbol.asyncDispose]();
});

Deno.test("POST /api/admin/incident-note: admins only, bounded, rate-limited, and the note shows", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  const { metrics, statusHistory } = server.services;
  // Two minutes with the store failing on every isolate: an incident, down.
  await advance(clock, MINUTE_MS, server);
  metrics.kvUp.set(0);
  await advance(clock, 2 * MINUTE_MS, server);
  metrics.kvUp.set(1);
  await advance(clock, MINUTE_MS + TICK_MS, server);
  const [incident] = await statusHistory.store.incidents({ from: 0, limit: 1 });
  ok(incident && incident.end !== null, "an incident, ended");

  const url = `${server.origin}/api/admin/incident-note`;
  const post = (body: unknown, token?: string) =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const answer = async (response: Response) => ({
    status: response.status,
    body: await response.json(),
  });
  const note = { incident: incident.id, text: "The disk filled up; it has room again." };

  equal((await answer(await post(note))).status, 401);
  equal((await answer(await post(note, await tokenFor(server, "ada")))).status, 403);
  const admin = await tokenFor(server, "root", "admin");
  for (
    const bad of [
      { incident: incident.id, text: "   " },
      { incident: incident.id, text: "a\u0007bell" },
      { incident: incident.id, text: "a lone \ud800 surrogate" },
      { incident: "x", text: "hi" },
      { incident: incident.id, text: "x".repeat(501) },
      "not json",
    ]
  ) {
    const refused = await answer(await post(bad, admin));
    equal(refused.status, 400, JSON.stringify(bad));
    equal(refused.body.error.code, "bad_request");
  }
  equal((await answer(await post("x".repeat(10_000), admin))).status, 413);
  equal((await answer(await post({ incident: 12, text: "hi" }, admin))).status, 404);

  const added = await answer(await post(note, admin));
  equal(added.status, 200);
  deepEqual(added.body.note, { at: clock.now(), by: "root", text: note.text });

  // Ten in a burst, then ten a minute; refused bodies cost nothing, the 404 and the note did.
  for (let index = 0; index < 8; index++) {
    equal((await answer(await post(note, admin))).status, 200);
  }
  const limited = await post(note, admin);
  equal(limited.status, 429);
  ok(Number(limited.headers.get("retry-after")) >= 1);
  await limited.body?.cancel();

  // The note is in the range's incidents (once the cached range is read again).
  clock.advance(31_000);
  const { body } = await getJson(`${server.origin}/api/status?range=24h`);
  const shown = StatusSummary.parse(body).incidents?.find((i) => i.id === incident.id);
  equal(shown?.notes.length, 9);
  deepEqual(new Set(shown?.notes.map((n) => n.text)), new Set([note.text]));
  equal(shown?.status, "down");
  deepEqual(shown?.reasons, ["the store is not answering"]);
});

import { deepEqual, equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { StatusDetail, StatusSummary } from "../../lib/protocol/status.ts";
import type { Role } from "../../lib/protocol/frames.ts";
import { openEventStream } from "./fallback_stream.ts";
import { createLogger } from "../../lib/server/log.ts";

const START = 1_800_000_000_000;

async function tokenFor(server: TestServer, name: string, role: Role = "user") {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role })).token;
}

async function getStatus(server: TestServer, token?: string) {
  const response = await fetch(`${server.origin}/api/status`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  equal(response.status, 200);
  equal(response.headers.get("cache-control"), "no-store");
  return await response.json();
}

Deno.test("/api/status: the public summary for everyone, the detail for admins", async () => {
  await using server = await startTestServer();
  const summary = StatusSummary.parse(await getStatus(server));
  equal(summary.status, "ok");
  equal(summary.isolates_up, 1);
  equal(summary.version, "1.0.0");
  for (const token of [await tokenFor(server, "ada"), "not.a.jwt"]) {
    equal((await getStatus(server, token)).view, "public");
  }

  const detail = StatusDetail.parse(
    await getStatus(server, await tokenFor(server, "root", "admin")),
  );
  equal(detail.isolates.length, 1);
  equal(detail.isolates[0].id, server.services.instance);
  ok("refusals" in detail && !("refusals" in summary));
});

Deno.test("the cluster engine is logged at start and shown to admins, not to the public", async () => {
  for (const [env, engine] of [[{}, "local"], [{ CLUSTER: "kv" }, "kv"]] as const) {
    const lines: string[] = [];
    await using server = await startTestServer({
      env: { ...env, LOG_LEVEL: "info" },
      log: createLogger({ sink: (line) => lines.push(line) }),
    });
    const started = lines.map((line) => JSON.parse(line)).find((line) =>
      line.event === "cluster.started"
    );
    equal(started?.engine, engine);
    equal(started?.instance, server.services.instance);

    const detail = StatusDetail.parse(
      await getStatus(server, await tokenFor(server, "root", "admin")),
    );
    deepEqual(detail.cluster, {
      engine,
      instance: server.services.instance,
      instances: 1,
      expiry_ms: started?.expiry_ms,
    });
    ok(!("cluster" in await getStatus(server, await tokenFor(server, "ada"))));
  }
});

Deno.test("/api/status: numbers follow the connections at the next snapshot", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  equal(StatusSummary.parse(await getStatus(server)).connections, 0);
  await using ada = await openSocket(server.wsUrl, { token: await tokenFor(server, "ada") });
  await ada.nextOf("hello");
  clock.advance(5_000);
  const summary = StatusSummary.parse(await getStatus(server));
  equal(summary.connections, 1);
  equal(summary.users_online, 1);
  equal(summary.history.connections.at(-1), 1);
});

Deno.test("subscribe_status: a status frame now, one every interval, none after unsubscribe", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  await using ada = await openSocket(server.wsUrl, { token: await tokenFor(server, "ada") });
  await ada.nextOf("hello");
  ada.send({ type: "subscribe_status", ref: "live" });
  const first = await ada.next();
  ok(first.type === "status");
  equal(first.ref, "live");
  StatusSummary.parse(first.summary);

  clock.advance(5_000);
  const second = await ada.next();
  ok(second.type === "status");
  equal(second.ref, undefined);
  equal(second.summary.server_time, START + 5_000);
  equal(second.summary.connections, 1);

  ada.send({ type: "unsubscribe_status" });
  ada.send({ type: "ping", t: 1 });
  deepEqual(await ada.next(), { type: "pong", t: 1 });
  clock.advance(10_000);
  ada.send({ type: "ping", t: 2 });
  deepEqual(await ada.next(), { type: "pong", t: 2 });
  equal(server.services.metrics.framesSent.labels("status").value, 2);
});

Deno.test("subscribe_status with deltas: the whole history first, then each new sample alone", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  clock.advance(5_000);
  await using ada = await openSocket(server.wsUrl, { token: await tokenFor(server, "ada") });
  await ada.nextOf("hello");
  ada.send({ type: "subscribe_status", delta: true, ref: "live" });
  const first = await ada.nextOf("status");
  equal(first.delta, undefined);
  deepEqual(first.summary.history.t, [START, START + 5_000]);

  clock.advance(5_000);
  const second = await ada.nextOf("status");
  equal(second.delta, true);
  deepEqual(second.summary.history.t, [START + 10_000]);
  deepEqual(second.summary.history.connections, [1]);
  equal(StatusSummary.parse(second.summary).connections, 1);
  ok(JSON.stringify(second).length < JSON.stringify(first).length);
});

Deno.test("subscribe_status: a guest on the event stream gets the public summary", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  await using stream = await openEventStream(server.origin, await tokenFor(server, "gus", "guest"));
  await stream.post({ type: "subscribe_status" });
  const status = await stream.nextOf("status");
  equal(StatusSummary.parse(status.summary).view, "public");
  clock.advance(5_000);
  equal((await stream.nextOf("status")).summary.server_time, START + 5_000);
});

Deno.test("/readyz: ready while the store answers, 503 once draining; /healthz stays up", async () => {
  await using server = await startTestServer();
  const ready = await fetch(`${server.origin}/readyz`);
  equal(ready.status, 200);
  deepEqual(await ready.json(), { ready: true });
  await server.services.drain();
  const draining = await fetch(`${server.origin}/readyz`);
  equal(draining.status, 503);
  deepEqual(await draining.json(), { error: { code: "internal", message: "draining" } });
  const alive = await fetch(`${server.origin}/healthz`);
  equal(alive.status, 200);
  await alive.body?.cancel();
});

Deno.test("/readyz: 503 with the reason when the store does not answer", async () => {
  const kv = await Deno.openKv(":memory:");
  await using server = await startTestServer({ kv });
  kv.close();
  const response = await fetch(`${server.origin}/readyz`);
  equal(response.status, 503);
  ok((await response.json()).error.message.startsWith("the store is not answering"));
});

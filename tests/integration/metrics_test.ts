import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import parse from "parse-prometheus-text-format";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { PROTOCOL } from "../../lib/protocol/version.ts";
import { openEventStream } from "./fallback_stream.ts";

interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
  }[];
}
const parsePrometheus = parse as (text: string) => ParsedFamily[];

const START = 1_800_000_000_000;

async function tokenFor(server: TestServer, name: string) {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role: "user" })).token;
}

async function connect(server: TestServer, name: string): Promise<TestSocket> {
  const client = await openSocket(server.wsUrl, { token: await tokenFor(server, name) });
  equal((await client.next()).type, "hello");
  return client;
}

/** A sample's value from `/metrics`, found by metric name and label. */
function sample(families: ParsedFamily[], name: string, label?: [string, string]): number {
  const family = families.find((candidate) => candidate.name === name);
  ok(family, `${name} is exposed`);
  const found = family.metrics.find((metric) =>
    label === undefined || metric.labels?.[label[0]] === label[1]
  );
  ok(found, `${name} has a sample for ${label}`);
  // For a histogram, its count: the +Inf bucket (the parser drops `_count` of labelled histograms).
  return Number(found.value ?? found.buckets?.["+Inf"]);
}

async function scrape(server: TestServer, token?: string): Promise<ParsedFamily[]> {
  const response = await fetch(`${server.origin}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  equal(response.status, 200);
  equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheus(await response.text());
}

Deno.test("metrics: every refusal reason is counted", async () => {
  await using server = await startTestServer({
    env: { MAX_CONNECTIONS_PER_USER: "1", MAX_CONNECTIONS_PER_ADDRESS: "2" },
  });
  const refused = server.services.metrics.handshakesRefused;

  const plain = await fetch(`${server.origin}/api/ws`);
  equal(plain.status, 400);
  await plain.body?.cancel();
  equal(refused.labels("not_websocket").value, 1);

  await rejects(openSocket(server.wsUrl, {
    token: await tokenFor(server, "ada"),
    headers: { origin: "https://evil.example" },
  }));
  equal(refused.labels("origin").value, 1);

  const noVersion = await openSocket(server.wsUrl, { protocols: ["switchboard.v9"] });
  equal((await noVersion.closed).code, 4400);
  equal(refused.labels("version").value, 1);

  const noToken = await openSocket(server.wsUrl, { protocols: [PROTOCOL] });
  equal((await noToken.closed).code, 4401);
  equal(refused.labels("auth").value, 1);

  await using ada = await connect(server, "ada");
  const adaAgain = await openSocket(server.wsUrl, { token: await tokenFor(server, "ada") });
  equal((await adaAgain.closed).code, 4409);
  equal(refused.labels("user_limit").value, 1);

  await using bob = await connect(server, "bob");
  const cyd = await openSocket(server.wsUrl, { token: await tokenFor(server, "cyd") });
  equal((await cyd.closed).code, 4429);
  equal(refused.labels("address_limit").value, 1);

  const families = await scrape(server);
  equal(sample(families, "switchboard_handshakes_refused_total", ["reason", "origin"]), 1);
  equal(sample(families, "switchboard_connections_open", ["transport", "websocket"]), 2);
  equal(sample(families, "switchboard_users_online"), 2);

  await server.services.drain();
  await rejects(openSocket(server.wsUrl, { token: await tokenFor(server, "dan") }));
  equal(refused.labels("draining").value, 1);
  equal(server.services.metrics.draining.value, 1);
  await Promise.all([ada.closed, bob.closed]);
});

Deno.test("metrics: closes are counted by code, and open connections go back to zero", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({
    clock,
    env: { MAX_FRAME_BYTES: "256", ACCESS_TOKEN_TTL_S: "3600", HEARTBEAT_MS: "25000" },
  });
  const closed = server.services.metrics.connectionsClosed;

  const normal = await connect(server, "ada");
  normal.socket.close(1000);
  await normal.closed;
  const tooBig = await connect(server, "bob");
  tooBig.send("x".repeat(300));
  equal((await tooBig.closed).code, 1009);
  await using silent = await connect(server, "cyd");
  await using kicked = await connect(server, "dan");
  equal(server.services.hub.kick("user:dan"), 1);
  equal((await kicked.closed).code, 4403);
  clock.advance(50_000);
  equal((await silent.closed).code, 4408);
  // The server saw each close event before the counts are read.
  await Promise.all([...server.services.hub.connections].map((c) => c.closed));

  equal(closed.labels(1000).value, 1);
  equal(closed.labels(1009).value, 1);
  equal(closed.labels(4403).value, 1);
  equal(closed.labels(4408).value, 1);
  equal(server.services.metrics.connectionsOpened.labels("websocket").value, 4);
  equal(server.services.metrics.connectionsOpen.labels("websocket").value, 0);
  equal(server.services.metrics.usersOnline.value, 0);
});

Deno.test("metrics: frames, commits, fan-out, latencies and rate limits move", async () => {
  await using server = await startTestServer({ env: { RATE_BURST: "4", RATE_PER_SECOND: "1" } });
  const metrics = server.services.metrics;
  await using ada = await connect(server, "ada");
  await using stream = await openEventStream(server.origin, await tokenFor(server, "bob"));
  ada.send({ type: "join", room: "counted" });
  await ada.nextOf("joined");
  await stream.post({ type: "join", room: "counted" });
  await stream.nextOf("joined");
  ada.send({ type: "send", room: "counted", text: "hello", cid: "c1" });
  await ada.nextOf("ack");
  await stream.nextOf("message");
  await ada.nextOf("message");
  ada.send({ type: "send", room: "counted", text: "hello", cid: "c1" }); // a retry: no commit
  await ada.nextOf("ack");
  ada.send("{bad json");
  equal((await ada.nextOf("error")).code, "bad_frame");
  ada.send({ type: "typing", room: "counted" });
  const limited = await ada.nextOf("error");
  equal(limited.code, "rate_limited");

  equal(metrics.messagesCommitted.value, 1);
  equal(metrics.commitLatency.data().count, 1);
  equal(metrics.fanoutDeliveries.value, 2);
  equal(metrics.fanoutLatency.data().count, 1);
  equal(metrics.deliveryLatency.data().count, 1);
  equal(metrics.framesReceived.labels("send").value, 2);
  equal(metrics.framesReceived.labels("join").value, 2);
  equal(metrics.framesReceived.labels("other").value, 1);
  equal(metrics.framesSent.labels("hello").value, 2);
  equal(metrics.framesSent.labels("joined").value, 2);
  equal(metrics.framesSent.labels("ack").value, 2);
  equal(metrics.framesSent.labels("message").value, 2);
  equal(metrics.errorsSent.labels("bad_frame").value, 1);
  equal(metrics.errorsSent.labels("rate_limited").value, 1);
  equal(metrics.rateLimited.value, 1);
  equal(metrics.roomsActive.value, 1);
  equal(metrics.connectionsOpened.labels("sse").value, 1);

  const families = await scrape(server);
  equal(sample(families, "switchboard_messages_committed_total"), 1);
  equal(sample(families, "switchboard_commit_latency_ms"), 1);
  equal(sample(families, "switchboard_connections_open", ["transport", "sse"]), 1);
  const build = families.find((family) => family.name === "switchboard_build_info");
  ok(build?.metrics[0].labels?.build_id, "the build id is labelled");
});

Deno.test("metrics: a pong's round trip feeds the heartbeat histogram", async () => {
  const clock = createVirtualClock(START);
  await using server = await startTestServer({ clock });
  await using ada = await connect(server, "ada");
  clock.advance(25_000);
  const ping = await ada.nextOf("ping");
  clock.advance(40);
  ada.send({ type: "pong", t: ping.t });
  ada.send({ type: "ping", t: 1 });
  await ada.nextOf("pong");
  equal(server.services.metrics.heartbeatRtt.data().count, 1);
  equal(server.services.metrics.heartbeatRtt.data().sum, 40);
});

Deno.test("metrics: with METRICS_TOKEN, /metrics needs it", async () => {
  await using server = await startTestServer({ env: { METRICS_TOKEN: "scrape-me" } });
  for (const headers of [new Headers(), new Headers({ authorization: "Bearer wrong" })]) {
    const response = await fetch(`${server.origin}/metrics`, { headers });
    equal(response.status, 401);
    equal((await response.json()).error.code, "unauthorized");
  }
  const families = await scrape(server, "scrape-me");
  const names = new Set(families.map((family) => family.name));
  for (
    const name of Object.values(server.services.metrics.registry.descriptors()).map((d) => d.name)
  ) {
    ok(names.has(name), `${name} is exposed`);
  }
  deepEqual(
    families.find((family) => family.name === "switchboard_kv_up")?.metrics.map((m) => m.value),
    ["1"],
  );
});

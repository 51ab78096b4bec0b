import { deepEqual, equal, ok } from "node:assert/strict";
import {
  StatusDetail,
  StatusHistory,
  StatusResponse,
  StatusSummary,
} from "../../lib/protocol/status.ts";
import { createClusterView } from "../../lib/server/metrics/cluster_view.ts";
import { assessHealth } from "../../lib/server/metrics/health.ts";
import { createIsolateIdentity } from "../../lib/server/metrics/identity.ts";
import { createSnapshotPublisher } from "../../lib/server/metrics/publisher.ts";
import { buildStatusDetail, buildStatusSummary } from "../../lib/server/metrics/status_report.ts";
import type { IsolateSnapshot } from "../../lib/server/metrics/snapshot.ts";
import { createSwitchboardMetrics } from "../../lib/server/metrics/switchboard_metrics.ts";
import { createVirtualClock, type VirtualClock } from "../../lib/time/clock.ts";

const INTERVAL_MS = 5_000;

function createIsolate(
  clock: VirtualClock,
  id: string,
  publish: (snapshot: IsolateSnapshot) => void = () => {},
) {
  const identity = createIsolateIdentity({
    clock,
    version: "2.1.0",
    buildId: "c0ffee",
    id,
    host: `host-${id}`,
    region: "ams",
  });
  const metrics = createSwitchboardMetrics({
    clock,
    identity,
    memoryUsage: () => ({ rss: 80_000_000, heapUsed: 30_000_000 }),
  });
  const view = createClusterView({ clock, sampleIntervalMs: INTERVAL_MS });
  const publisher = createSnapshotPublisher({
    clock,
    intervalMs: INTERVAL_MS,
    metrics,
    view,
    publish,
  });
  return { identity, metrics, view, publisher };
}

/** One answering isolate, plus a peer started a minute later whose snapshots reach it. */
function cluster() {
  const clock = createVirtualClock(1_700_000_000_000);
  const self = createIsolate(clock, "iso-a");
  clock.advance(60_000);
  const peer = createIsolate(clock, "iso-b", (snapshot) => self.publisher.receive(snapshot));
  const options = { clock, identity: self.identity };
  return { clock, self, peer, options };
}

function busyCluster() {
  const setup = cluster();
  const { clock, self, peer } = setup;
  self.publisher.start();
  peer.publisher.start();
  self.metrics.connectionsOpen.labels("websocket").inc(3);
  self.metrics.usersOnline.set(2);
  self.metrics.roomsActive.set(1);
  peer.metrics.connectionsOpen.labels("sse").inc();
  peer.metrics.usersOnline.set(1);
  peer.metrics.roomsActive.set(1);
  self.metrics.messagesCommitted.inc(25);
  for (let i = 0; i < 25; i++) {
    self.metrics.rooms.record("general");
    self.metrics.deliveryLatency.observe(8);
    self.metrics.commitLatency.observe(3);
  }
  peer.metrics.handshakesRefused.labels("origin").inc(2);
  peer.metrics.errors.record("internal", "commit failed");
  clock.advance(INTERVAL_MS);
  return setup;
}

Deno.test("the public summary validates and carries the cluster's numbers", () => {
  const { self, peer, options } = busyCluster();
  const summary = buildStatusSummary(self.view, options);
  StatusSummary.parse(summary);
  StatusResponse.parse(summary);
  equal(summary.view, "public");
  equal(summary.status, "ok");
  deepEqual(summary.reasons, []);
  equal(summary.connections, 4);
  equal(summary.users_online, 3);
  equal(summary.rooms, 2);
  equal(summary.messages_per_second, 5);
  equal(summary.isolates_up, 2);
  equal(summary.uptime_s, 65, "the oldest live isolate's age");
  equal(summary.version, "2.1.0");
  equal(summary.build_id, "c0ffee");
  const { p50 } = summary.delivery_latency_ms;
  ok(p50 !== null && p50 > 5 && p50 <= 10, "every delivery took 8 ms: the 5-10 ms bucket");
  equal(summary.history.t.length, 2);
  self.publisher.stop();
  peer.publisher.stop();
});

Deno.test("the admin detail validates and adds isolates, refusals, rooms and errors", () => {
  const { self, peer, options } = busyCluster();
  const detail = buildStatusDetail(self.view, options);
  StatusDetail.parse(detail);
  StatusResponse.parse(detail);
  equal(detail.view, "admin");
  deepEqual(detail.isolates.map((row) => [row.id, row.connections, row.uptime_s]), [
    ["iso-a", 3, 65],
    ["iso-b", 1, 5],
  ]);
  equal(detail.isolates[0].messages_per_second, 5);
  equal(detail.isolates[0].memory.rss_bytes, 80_000_000);
  equal(detail.refusals.origin, 2);
  equal(detail.refusals.auth, 0);
  deepEqual(detail.busiest_rooms, [{ room: "general", messages_per_second: 5 }]);
  deepEqual(detail.recent_errors.map(({ isolate, code }) => [isolate, code]), [
    ["iso-b", "internal"],
  ]);
  ok(detail.latency_ms.commit.p99! <= 5);
  equal(detail.latency_ms.heartbeat_rtt.p50, null);
  self.publisher.stop();
  peer.publisher.stop();
});

Deno.test("the public and admin views differ, and neither passes for the other", () => {
  const { self, peer, options } = busyCluster();
  const summary = buildStatusSummary(self.view, options);
  const detail = buildStatusDetail(self.view, options);
  for (const key of ["isolates", "refusals", "busiest_rooms", "recent_errors"]) {
    ok(!(key in summary), `${key} stays out of the public view`);
    ok(key in detail, `${key} is in the admin view`);
  }
  equal(StatusSummary.safeParse({ ...detail, view: "public" }).success, false);
  equal(StatusDetail.safeParse({ ...summary, view: "admin" }).success, false);
  self.publisher.stop();
  peer.publisher.stop();
});

Deno.test("a history whose columns disagree in length is refused", () => {
  const history = {
    interval_ms: 5_000,
    t: [1, 2],
    connections: [1, 2],
    users_online: [1, 1],
    messages_per_second: [0, 0.5],
    delivery_p50_ms: [null, 3],
    delivery_p99_ms: [null, 9],
  };
  equal(StatusHistory.safeParse(history).success, true);
  equal(StatusHistory.safeParse({ ...history, connections: [1] }).success, false);
});

Deno.test("slow delivery makes the status degraded, with the reason in words", () => {
  const { clock, self, peer, options } = cluster();
  self.publisher.start();
  peer.publisher.start();
  for (let i = 0; i < 10; i++) self.metrics.deliveryLatency.observe(900);
  clock.advance(INTERVAL_MS);
  const summary = buildStatusSummary(self.view, options);
  equal(summary.status, "degraded");
  deepEqual(summary.reasons, ["delivery p99 is 995 ms (limit 500 ms)"]);
  equal(assessHealth(self.view, { deliveryP99Ms: 2_000, refusalsPerSecond: 5 }).status, "ok");
  self.publisher.stop();
  peer.publisher.stop();
});

Deno.test("refusals rising above the limit make the status degraded", () => {
  const { clock, self, peer } = cluster();
  self.publisher.start();
  peer.publisher.start();
  peer.metrics.handshakesRefused.labels("user_limit").inc(60);
  clock.advance(INTERVAL_MS);
  deepEqual(assessHealth(self.view), {
    status: "degraded",
    reasons: ["12.0 connections refused per second (limit 5)"],
  });
  clock.advance(INTERVAL_MS);
  equal(assessHealth(self.view).status, "ok", "a quiet window is healthy again");
  self.publisher.stop();
  peer.publisher.stop();
});

Deno.test("an isolate that stops reporting makes the status degraded", () => {
  const { clock, self, peer, options } = cluster();
  self.publisher.start();
  peer.publisher.start();
  clock.advance(INTERVAL_MS);
  peer.publisher.stop();
  clock.advance(4 * INTERVAL_MS);
  const detail = buildStatusDetail(self.view, options);
  equal(detail.status, "degraded");
  deepEqual(detail.reasons, ["1 isolate stopped reporting"]);
  deepEqual(detail.missing_isolates.map((gone) => gone.id), ["iso-b"]);
  equal(detail.isolates_up, 1);
  self.publisher.stop();
});

Deno.test("a failing store degrades one isolate and takes the cluster down on all", () => {
  const { clock, self, peer } = cluster();
  self.publisher.start();
  peer.publisher.start();
  peer.metrics.kvUp.set(0);
  clock.advance(INTERVAL_MS);
  deepEqual(assessHealth(self.view), {
    status: "degraded",
    reasons: ["the store is failing on 1 of 2 isolates"],
  });
  self.metrics.kvUp.set(0);
  clock.advance(INTERVAL_MS);
  deepEqual(assessHealth(self.view), {
    status: "down",
    reasons: ["the store is not answering"],
  });
  self.publisher.stop();
  peer.publisher.stop();
});

Deno.test("with no isolate reporting the status is down, and still valid", () => {
  const clock = createVirtualClock(0);
  const { identity, view } = createIsolate(clock, "lonely");
  const summary = buildStatusSummary(view, { clock, identity });
  StatusSummary.parse(summary);
  equal(summary.status, "down");
  equal(summary.isolates_up, 0);
  deepEqual(summary.delivery_latency_ms, { p50: null, p99: null });
  StatusDetail.parse(buildStatusDetail(view, { clock, identity }));
});

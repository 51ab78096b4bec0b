/**
 * Attack: huge request bodies. Before the fix `/api/login`, `/api/guest` and
 * the `/login` form read the whole body before their 16 KiB check (4 × 128 MiB
 * took RSS from 83 MiB to 979 MiB, with no login). Every endpoint that takes a
 * body must refuse one over its bound by `Content-Length` and stop reading a
 * chunked one at the bound, with 413 and nothing else.
 *
 * Bound asserted: the server's peak RSS grows by less than 100 MiB while 4
 * attackers at a time push 128 MiB each at every POST endpoint, declared and
 * chunked (a body read whole would cost 512 MiB per route). Measured 55-67
 * MiB with 16 POST routes: each attacker gets ~4 MiB into the kernel's socket
 * buffers before it sees the 413, and the rest is the garbage of 128 refused
 * requests that the collector has not taken back yet, not bodies held.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import manifest from "../../manifest.gen.ts";
import { loadFsRoutes } from "../../lib/framework/fs_routes.ts";
import { createTokenIssuer } from "../../lib/server/auth/tokens.ts";
import { WS_BLOCK_PATH } from "../../lib/server/test_hooks/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { TEST_SECRET } from "../_helpers/server.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { openEventStream } from "../integration/fallback_stream.ts";
import { mib, pushHugeBody, watchPeakRss } from "./_attack.ts";
import { readRssBytes } from "../../bench/process_stats.ts";

const ATTACKERS = 4;
const RSS_GROWTH_BOUND = 100 * 1024 * 1024;

/** Every route that answers POST: what this test must cover (with `TEST_HOOKS=1`, the switch's too). */
function postRoutes(): string[] {
  const routes = loadFsRoutes(manifest).routes
    .filter(({ handler }) => typeof handler === "function" || (handler && "POST" in handler))
    .map(({ pattern }) => pattern);
  return [...routes, WS_BLOCK_PATH].sort();
}

Deno.test("huge bodies: every POST endpoint answers 413 without reading them; memory stays flat", async () => {
  await using server = await startServerProcess({ env: { TEST_HOOKS: "1" } });
  const tokens = await createTokenIssuer({
    secrets: [TEST_SECRET],
    ttlS: 900,
    clock: createSystemClock(),
  });
  const admin = await tokens.sign({ id: "user:root", name: "root", role: "admin" });
  const user = await tokens.sign({ id: "user:ada", name: "ada", role: "user" });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** Headers that get each endpoint as far as reading its body. */
  const targets: Record<string, () => Promise<{ path: string; headers?: Record<string, string> }>> =
    {
      "/api/login": () => Promise.resolve({ path: "/api/login" }),
      "/api/register": () => Promise.resolve({ path: "/api/register" }),
      "/api/password": () =>
        Promise.resolve({ path: "/api/password", headers: bearer(user.token) }),
      "/api/guest": () => Promise.resolve({ path: "/api/guest" }),
      "/login": () =>
        Promise.resolve({
          path: "/login",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
      "/api/token": () => Promise.resolve({ path: "/api/token" }),
      "/api/logout": () => Promise.resolve({ path: "/api/logout" }),
      "/api/admin/kick": () =>
        Promise.resolve({ path: "/api/admin/kick", headers: bearer(admin.token) }),
      "/api/admin/close-room": () =>
        Promise.resolve({ path: "/api/admin/close-room", headers: bearer(admin.token) }),
      "/api/admin/cleanup": () =>
        Promise.resolve({ path: "/api/admin/cleanup", headers: bearer(admin.token) }),
      "/api/admin/incident-note": () =>
        Promise.resolve({ path: "/api/admin/incident-note", headers: bearer(admin.token) }),
      "/api/test/ws-block": () => Promise.resolve({ path: "/api/test/ws-block" }),
      "/api/send": async () => {
        const user = await tokens.sign({
          id: `user:${crypto.randomUUID()}`,
          name: "mallory",
          role: "user",
        });
        const stream = await openEventStream(server.origin, user.token);
        // The 413 ends the session, as 1009 ends a socket; how its stream ends is not the point.
        stream.ended.catch(() => {});
        return { path: `/api/send?session=${stream.hello.session}`, headers: bearer(user.token) };
      },
    };
  deepEqual(Object.keys(targets).sort(), postRoutes(), "every POST route is attacked");

  // Warm up the paths once, so the baseline includes what they load on first use.
  for (const target of Object.values(targets)) {
    const { path, headers } = await target();
    const answer = await pushHugeBody(server.port, path, {
      declareLength: true,
      totalBytes: 2 * 1024 * 1024,
      headers,
    });
    equal(answer.status, 413, `${path} refuses 2 MiB`);
  }
  const before = await readRssBytes(server.pid);
  const peak = watchPeakRss(server.pid);

  for (const [name, target] of Object.entries(targets)) {
    for (const declareLength of [true, false]) {
      const answers = await Promise.all(
        Array.from({ length: ATTACKERS }, async () => {
          const { path, headers } = await target();
          return await pushHugeBody(server.port, path, { declareLength, headers });
        }),
      );
      for (const answer of answers) {
        const how = declareLength ? "with Content-Length" : "chunked";
        equal(answer.status, 413, `${name} ${how}`);
        equal(answer.headers.get("set-cookie"), null, `${name} ${how} sets no cookie`);
        ok(answer.sentBytes < 32 * 1024 * 1024, `${name} ${how} stopped the upload early`);
      }
    }
  }

  const growth = (await peak.stop()) - before;
  console.log(`peak RSS growth under the attack: ${mib(growth)}`);
  ok(growth < RSS_GROWTH_BOUND, `RSS grew ${mib(growth)}, over ${mib(RSS_GROWTH_BOUND)}`);
  const alive = await fetch(`${server.origin}/healthz`);
  equal(alive.status, 200);
  equal(await alive.text(), "ok");
});

import { deepEqual, equal, ok } from "node:assert/strict";
import { startTestServer, TEST_SECRET, type TestServer } from "../_helpers/server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { createSwitchboard } from "../../server.ts";
import { createLogger } from "../../lib/server/log.ts";
import { roomClosedKey } from "../../lib/server/rooms/mod.ts";
import { CID_TTL_MS, sendCidKey } from "../../lib/server/store/mod.ts";
import type { Role } from "../../lib/protocol/frames.ts";
import { openEventStream } from "./fallback_stream.ts";

const ADMIN_PATHS = ["/api/admin/kick", "/api/admin/close-room", "/api/admin/cleanup"];

async function tokenFor(server: TestServer, name: string, role: Role = "user") {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role })).token;
}

function post(server: TestServer, path: string, body: unknown, token?: string) {
  return fetch(`${server.origin}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function connect(server: TestServer, name: string): Promise<TestSocket> {
  const client = await openSocket(server.wsUrl, { token: await tokenFor(server, name) });
  equal((await client.next()).type, "hello");
  return client;
}

Deno.test("admin: no token is 401, any role but admin is 403, and nothing happens", async () => {
  await using server = await startTestServer();
  await using ada = await connect(server, "ada");
  const bodies = [{ user_id: "user:ada" }, { room: "general" }, {}];
  for (const [index, path] of ADMIN_PATHS.entries()) {
    const anonymous = await post(server, path, bodies[index]);
    equal(anonymous.status, 401, path);
    equal((await anonymous.json()).error.code, "unauthorized");
    for (const role of ["user", "guest"] as const) {
      const refused = await post(server, path, bodies[index], await tokenFor(server, "eve", role));
      equal(refused.status, 403, `${path} as ${role}`);
      equal((await refused.json()).error.code, "forbidden");
    }
  }
  ada.send({ type: "join", room: "general" });
  equal((await ada.nextOf("joined")).room, "general");
});

Deno.test("admin kick: every connection of the user closes with 4403, others stay", async () => {
  await using server = await startTestServer();
  const adaSocket = await connect(server, "ada");
  const adaStream = await openEventStream(server.origin, await tokenFor(server, "ada"));
  await using bob = await connect(server, "bob");

  const response = await post(
    server,
    "/api/admin/kick",
    { user_id: "user:ada" },
    await tokenFor(server, "root", "admin"),
  );
  equal(response.status, 200);
  deepEqual(await response.json(), { user_id: "user:ada", closed_here: 2 });

  const error = await adaSocket.next();
  ok(error.type === "error" && error.code === "forbidden" && !error.recoverable);
  const closed = await adaSocket.closed;
  equal(closed.code, 4403);
  equal(closed.reason, "kicked");
  equal((await adaStream.nextOf("error")).code, "forbidden");
  await adaStream.ended;

  bob.send({ type: "ping", t: 1 });
  deepEqual(await bob.nextOf("pong"), { type: "pong", t: 1 });
  equal(server.services.metrics.connectionsClosed.labels(4403).value, 2);
});

Deno.test("admin close-room: members get forbidden and left; joins and sends are refused, for good", async () => {
  await using server = await startTestServer();
  await using ada = await connect(server, "ada");
  ada.send({ type: "join", room: "doomed" });
  await ada.nextOf("joined");

  const response = await post(
    server,
    "/api/admin/close-room",
    { room: "doomed" },
    await tokenFor(server, "root", "admin"),
  );
  equal(response.status, 200);
  deepEqual(await response.json(), { room: "doomed", closed: true });
  const error = await ada.nextOf("error");
  equal(error.code, "forbidden");
  deepEqual(await ada.next(), { type: "left", room: "doomed" });

  ada.send({ type: "join", room: "doomed", ref: "again" });
  const refused = await ada.nextOf("error");
  equal(refused.code, "forbidden");
  equal(refused.ref, "again");
  ada.send({ type: "send", room: "doomed", text: "hi", cid: "c1", ref: "send" });
  equal((await ada.nextOf("error")).code, "forbidden");
  equal((await server.kv.get(roomClosedKey("doomed"))).value !== null, true);

  // Another instance on the same database, which never heard the bus, refuses it too.
  await using other = await startTestServer({ kv: server.kv });
  await using bob = await connect(other, "bob");
  bob.send({ type: "join", room: "doomed" });
  equal((await bob.nextOf("error")).code, "forbidden");

  const bad = await post(
    server,
    "/api/admin/close-room",
    { room: "NOT A ROOM" },
    await tokenFor(server, "root", "admin"),
  );
  equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("admin cleanup: expired idempotency records go, fresh ones stay", async () => {
  await using server = await startTestServer();
  await using ada = await connect(server, "ada");
  ada.send({ type: "join", room: "general" });
  await ada.nextOf("joined");
  ada.send({ type: "send", room: "general", text: "fresh", cid: "fresh" });
  await ada.nextOf("ack");
  const stale = sendCidKey("user:ada", "stale");
  const ts = Date.now() - CID_TTL_MS - 1_000;
  await server.kv.set(stale, { cid: "stale", room: "general", seq: 99, ts });

  const admin = await tokenFor(server, "root", "admin");
  const response = await post(server, "/api/admin/cleanup", {}, admin);
  equal(response.status, 200);
  deepEqual(await response.json(), { instances_removed: 0, idempotency_records_removed: 1 });
  equal((await server.kv.get(stale)).value, null);
  ok((await server.kv.get(sendCidKey("user:ada", "fresh"))).value !== null);
});

Deno.test("admin actions are audited in the log with the admin's id", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-admin-" });
  const lines: string[] = [];
  const switchboard = await createSwitchboard({
    env: { KV_PATH: `${dir}/switchboard.kv`, JWT_SECRETS: TEST_SECRET, LOG_LEVEL: "info" },
    log: createLogger({ sink: (line) => lines.push(line) }),
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    switchboard.handler,
  );
  try {
    const { token } = await switchboard.services.tokens.sign({
      id: "user:root",
      name: "root",
      role: "admin",
    });
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/api/admin/kick`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ user_id: "user:nobody" }),
    });
    equal(response.status, 200);
    await response.body?.cancel();
    const audit = lines.map((line) => JSON.parse(line)).find((line) => line.event === "admin.kick");
    equal(audit?.user, "user:root");
    equal(audit?.target, "user:nobody");
  } finally {
    await switchboard.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

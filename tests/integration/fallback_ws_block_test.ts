import { equal, rejects } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { openEventStream } from "./fallback_stream.ts";

function setBlock(server: TestServer, mode: string) {
  return fetch(`${server.origin}/api/test/ws-block`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ mode }),
  });
}

async function token(server: TestServer) {
  return (await server.services.tokens.sign({ id: "user:ada", name: "ada", role: "user" })).token;
}

Deno.test("ws-block refuse: upgrades get HTTP 503 while the fallback keeps working", async () => {
  await using server = await startTestServer({ env: { TEST_HOOKS: "1" } });
  const set = await setBlock(server, "refuse");
  equal(set.status, 200);
  equal((await set.json()).mode, "refuse");
  const upgrade = await fetch(server.wsUrl.replace("ws:", "http:"), {
    headers: { upgrade: "websocket", connection: "upgrade", "sec-websocket-version": "13" },
  });
  equal(upgrade.status, 503);
  await upgrade.body?.cancel();
  await rejects(openSocket(server.wsUrl, { token: await token(server) }));
  await using stream = await openEventStream(server.origin, await token(server));
  equal(stream.hello.user.id, "user:ada");

  await (await setBlock(server, "off")).body?.cancel();
  await using socket = await openSocket(server.wsUrl, { token: await token(server) });
  equal((await socket.next()).type, "hello");
});

Deno.test("ws-block kill: the upgrade succeeds, then the socket dies before hello", async () => {
  await using server = await startTestServer({ env: { TEST_HOOKS: "1" } });
  await (await setBlock(server, "kill")).body?.cancel();
  const socket = await openSocket(server.wsUrl, { token: await token(server) });
  const closed = await socket.closed;
  equal(closed.code, 1005);
  equal(server.services.metrics.connectionsOpened.labels("websocket").value, 0);
  equal(server.services.hub.connections.size, 0);
});

Deno.test("ws-block: without TEST_HOOKS the route does not exist", async () => {
  await using server = await startTestServer();
  for (const method of ["POST", "GET"]) {
    const response = await fetch(`${server.origin}/api/test/ws-block`, {
      method,
      body: method === "POST" ? JSON.stringify({ mode: "refuse" }) : undefined,
    });
    equal(response.status, 404, method);
    await response.body?.cancel();
  }
  equal(server.switchboard.wsBlock, undefined, "no switch exists");
  await using socket = await openSocket(server.wsUrl, { token: await token(server) });
  equal((await socket.next()).type, "hello");
});

Deno.test("ws-block: a bad mode is a 400 and changes nothing", async () => {
  await using server = await startTestServer({ env: { TEST_HOOKS: "1" } });
  const response = await setBlock(server, "explode");
  equal(response.status, 400);
  await response.body?.cancel();
  equal(server.switchboard.wsBlock?.mode, "off");
});

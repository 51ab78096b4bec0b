/**
 * The real client against the real server over real WebSockets (Deno's
 * `WebSocket` and `fetch`): chat both ways, resend after a reconnect exactly
 * once, and a token refresh after 4401.
 */
import assert from "node:assert/strict";
import { effect } from "@preact/signals";
import { type ChatClient, createChatClient } from "../../lib/client/client.ts";
import { createMemoryOutboxStore } from "../../lib/client/outbox_store.ts";
import { createManualPageEvents } from "../../lib/client/page_events.ts";
import type { WebSocketLike } from "../../lib/client/websocket_transport.ts";
import { TokenResponse } from "../../lib/protocol/mod.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { createMessageStore } from "../../lib/server/store/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

/** Resolves when `condition` holds, re-checked whenever a signal it reads changes. */
function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let dispose = () => {};
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    dispose = effect(() => {
      if (!condition()) return;
      clearTimeout(timer);
      queueMicrotask(() => dispose());
      resolve();
    });
  });
}

/** A guest session: its access token and a refresh that uses its refresh cookie. */
async function guest(server: TestServer, name: string) {
  const response = await fetch(`${server.origin}/api/guest`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.origin },
    body: JSON.stringify({ name }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const { token } = TokenResponse.parse(await response.json());
  const refreshToken = async () => {
    const refreshed = await fetch(`${server.origin}/api/token`, {
      method: "POST",
      headers: { cookie, origin: server.origin },
    });
    assert.equal(refreshed.status, 200);
    return TokenResponse.parse(await refreshed.json()).token;
  };
  return { token, refreshToken };
}

/** Tracks the client's sockets so the test can wait until every one is closed. */
function socketTracker() {
  const closed: Promise<void>[] = [];
  const createWebSocket = (url: string, protocols: string[]): WebSocketLike => {
    const socket = new WebSocket(url, protocols);
    closed.push(
      new Promise((resolve) => socket.addEventListener("close", () => resolve(), { once: true })),
    );
    return socket;
  };
  return { createWebSocket, allClosed: () => Promise.all(closed), count: () => closed.length };
}

async function startClient(
  server: TestServer,
  name: string,
  overrides: { getToken?: () => Promise<string> } = {},
) {
  const session = await guest(server, name);
  const sockets = socketTracker();
  const client = createChatClient({
    origin: server.origin,
    wsUrl: server.wsUrl,
    getToken: () => Promise.resolve(session.token),
    refreshToken: session.refreshToken,
    createWebSocket: sockets.createWebSocket,
    outboxStore: createMemoryOutboxStore(),
    storage: null,
    pageEvents: createManualPageEvents(),
    backoff: "aggressive",
    log: () => {},
    ...overrides,
  });
  return {
    client,
    sockets,
    async [Symbol.asyncDispose]() {
      client.dispose();
      await sockets.allClosed();
    },
  };
}

const texts = (client: ChatClient) =>
  client.room("general")!.messages.value.map((m) => `${m.user?.name}:${m.text}:${m.status}`);

Deno.test("two clients chat both ways over the real server", async () => {
  await using server = await startTestServer();
  await using ada = await startClient(server, "ada");
  await using bob = await startClient(server, "bob");
  for (const { client } of [ada, bob]) {
    client.join("general");
    client.connect();
  }
  await until(() => ada.client.state.value === "open" && bob.client.state.value === "open", "open");
  await until(
    () => ada.client.room("general")!.presence.value.length === 2,
    "both present",
  );

  ada.client.send("general", "hi bob");
  await until(() => bob.client.room("general")!.messages.value.length === 1, "bob receives");
  bob.client.send("general", "hi ada");
  await until(() => ada.client.room("general")!.messages.value.length === 2, "ada receives");
  await until(() => bob.client.outboxSize.value === 0, "bob's ack");

  const expected = ["ada:hi bob:sent", "bob:hi ada:sent"];
  assert.deepEqual(texts(ada.client), expected);
  assert.deepEqual(texts(bob.client), expected);
  assert.deepEqual(ada.client.room("general")!.messages.value.map((m) => m.seq), [1, 2]);
  assert.ok(ada.client.latencyMs.value !== null && ada.client.latencyMs.value >= 0);
});

Deno.test("sends made while disconnected arrive once, in order, after reconnecting", async () => {
  await using server = await startTestServer();
  await using ada = await startClient(server, "ada");
  await using bob = await startClient(server, "bob");
  for (const { client } of [ada, bob]) {
    client.join("general");
    client.connect();
  }
  await until(() => ada.client.state.value === "open" && bob.client.state.value === "open", "open");
  await until(() => ada.client.room("general")!.presence.value.length === 2, "both present");

  ada.client.disconnect();
  for (const text of ["one", "two", "three"]) ada.client.send("general", text);
  assert.deepEqual(texts(ada.client), ["ada:one:pending", "ada:two:pending", "ada:three:pending"]);
  ada.client.connect();
  await until(() => ada.client.outboxSize.value === 0, "every send acked");
  // Another reconnect at once: acked sends must not go out again.
  ada.client.reconnectNow();
  await until(() => ada.client.state.value === "open", "open again");
  await until(() => bob.client.room("general")!.messages.value.length === 3, "bob has three");

  for (const client of [ada.client, bob.client]) {
    assert.deepEqual(texts(client), ["ada:one:sent", "ada:two:sent", "ada:three:sent"]);
    assert.deepEqual(client.room("general")!.messages.value.map((m) => m.seq), [1, 2, 3]);
  }
});

Deno.test("a refused token (4401) is refreshed through POST /api/token and the client opens", async () => {
  await using server = await startTestServer();
  await using ada = await startClient(server, "ada", {
    getToken: () => Promise.resolve("not-a-valid-token"),
  });
  ada.client.connect();
  await until(() => ada.client.state.value === "open", "open after refresh");
  assert.equal(ada.client.attempts.value[0].cause, "auth");
  assert.equal(ada.client.attempts.value[0].code, 4401);
  assert.equal(ada.client.user.value?.name, "ada");
});

Deno.test("a client far behind catches up through a paged joined and history after", async () => {
  await using server = await startTestServer({
    env: { JOIN_PAGE_MAX: "25", RATE_BURST: "100", RATE_PER_SECOND: "100" },
  });
  await using ada = await startClient(server, "ada");
  ada.client.join("general");
  ada.client.connect();
  await until(() => ada.client.room("general")!.synced.value, "joined");
  ada.client.disconnect();

  const store = createMessageStore(server.kv, {
    historyMax: 10_000,
    clock: createVirtualClock(1_000),
  });
  const author = { id: "user:bob", name: "bob", role: "user" as const };
  for (let index = 1; index <= 300; index++) {
    await store.commit({ room: "general", user: author, text: `#${index}`, cid: `c${index}` });
  }

  ada.client.connect();
  await until(() => ada.client.room("general")!.messages.value.length === 300, "300 messages");
  const seqs = ada.client.room("general")!.messages.value.map((m) => m.seq);
  assert.deepEqual(seqs, Array.from({ length: 300 }, (_, index) => index + 1));
  assert.ok((ada.client.framesIn.value.history ?? 0) >= 2, "the rest came by history pages");
});

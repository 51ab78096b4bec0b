import { deepEqual, equal, ok } from "node:assert/strict";
import { App } from "../../lib/framework/app.ts";
import { serveGuarded } from "../../lib/framework/guarded_server.ts";
import type { WsHandlers } from "../../lib/framework/ws.ts";

/**
 * The servers a route's sockets may come from: `Deno.serve` (`deno serve`,
 * Deno Deploy), and the guarded server of `serve.ts`, which hands the
 * upgrade's TCP socket over to Deno's WebSocket, or to the framework's own.
 */
const SERVERS = [
  "Deno.serve",
  "the guarded server",
  "the guarded server with its own WebSocket",
] as const;

/** Serves one WebSocket route on 127.0.0.1 port 0. */
async function serve(
  handlers: WsHandlers<unknown, { name: string }>,
  under: typeof SERVERS[number] = "Deno.serve",
) {
  const root = new URL("./", import.meta.url);
  const handler = new App<unknown>({ root }).ws("/ws", handlers).handler();
  if (under === "Deno.serve") {
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, handler);
    return {
      url: `ws://127.0.0.1:${server.addr.port}/ws`,
      [Symbol.asyncDispose]: () => server.shutdown(),
    };
  }
  const server = await serveGuarded(handler, {
    hostname: "127.0.0.1",
    port: 0,
    headersTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
    maxConnections: 100,
    maxConnectionsPerAddress: 100,
    ...(under === "the guarded server with its own WebSocket"
      ? { ownWebSockets: { maxMessageBytes: 65_536, messageTimeoutMs: 10_000 } }
      : {}),
  });
  return {
    url: `ws://127.0.0.1:${server.addr.port}/ws`,
    [Symbol.asyncDispose]: () => Promise.resolve(server.close()),
  };
}

/** Opens a client socket; resolves once open, with its messages and its close event. */
async function connect(url: string) {
  const socket = new WebSocket(url);
  const messages: string[] = [];
  const arrived = new Set<() => void>();
  socket.onmessage = (event) => {
    messages.push(String(event.data));
    for (const wake of arrived) wake();
  };
  const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
  await new Promise((resolve) => socket.onopen = resolve);
  return {
    socket,
    closed,
    async reply(text: string): Promise<string> {
      const count = messages.length;
      socket.send(text);
      while (messages.length === count) await new Promise<void>((wake) => arrived.add(wake));
      return messages[count];
    },
  };
}

for (const under of SERVERS) {
  Deno.test(`a handler that throws or rejects closes its own socket with 1011; others are served (${under})`, async () => {
    const failures: { error: string; name: string }[] = [];
    await using server = await serve({
      upgrade: (ctx) => ({ data: { name: ctx.url.searchParams.get("name") ?? "" } }),
      message(socket, event) {
        if (event.data === "throw") throw new Error("thrown in message");
        if (event.data === "reject") {
          return Promise.reject(new Error("rejected")) as unknown as void;
        }
        socket.send(`echo ${event.data}`);
      },
      failed(_socket, error, data) {
        failures.push({ error: (error as Error).message, name: data.name });
      },
    }, under);
    const bystander = await connect(`${server.url}?name=bystander`);
    for (const [trigger, message] of [["throw", "thrown in message"], ["reject", "rejected"]]) {
      const victim = await connect(`${server.url}?name=${trigger}`);
      victim.socket.send(trigger);
      const closed = await victim.closed;
      equal(closed.code, 1011);
      deepEqual(failures.at(-1), { error: message, name: trigger });
      equal(await bystander.reply("still there?"), "echo still there?");
    }
    bystander.socket.close();
    await bystander.closed;
  });
}

Deno.test("without a failed hook the error goes to console.error, and the socket still closes", async () => {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    await using server = await serve({
      upgrade: () => ({ data: { name: "" } }),
      open() {
        throw new Error("thrown in open");
      },
    });
    const client = await connect(server.url);
    equal((await client.closed).code, 1011);
  } finally {
    console.error = original;
  }
  ok(logged.some((args) => args.some((arg) => String(arg).includes("thrown in open"))));
});

for (const under of SERVERS) {
  Deno.test(`a refusal by close code: the client sees the upgrade, its protocol and the code; no handler runs (${under})`, async () => {
    let handled = 0;
    await using server = await serve({
      upgrade: () => ({ protocol: "chat.v1", refuse: { code: 4401, reason: "token missing" } }),
      open: () => void handled++,
      message: () => void handled++,
      close: () => void handled++,
    }, under);
    const client = new WebSocket(server.url, ["chat.v1"]);
    const opened = new Promise((resolve) => client.onopen = resolve);
    const closed = await new Promise<CloseEvent>((resolve) => client.onclose = resolve);
    await opened;
    equal(client.protocol, "chat.v1");
    deepEqual([closed.code, closed.reason], [4401, "token missing"]);
    equal(handled, 0);
  });

  Deno.test(`a peer that never answers the server's close is cut at closeTimeoutMs (${under})`, async () => {
    const closeTimeoutMs = 300;
    const cut = Promise.withResolvers<{ code: number; afterMs: number }>();
    let closedAt = 0;
    await using server = await serve({
      upgrade: () => ({ closeTimeoutMs, data: { name: "" } }),
      open(socket) {
        closedAt = performance.now();
        socket.close(4408, "heartbeat timeout");
      },
      close: (_socket, event) =>
        cut.resolve({ code: event.code, afterMs: performance.now() - closedAt }),
    }, under);
    // A client that sends the upgrade and then nothing: no close frame in answer, ever.
    const { port } = new URL(server.url);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
    await conn.write(new TextEncoder().encode(UPGRADE_REQUEST));
    const { code, afterMs } = await cut.promise;
    if (under === "the guarded server with its own WebSocket") {
      equal(code, 4408, "the own WebSocket reports the code the server closed with");
    } else {
      equal(code, 1005, "Deno reports a cut connection as closed without a code");
    }
    ok(afterMs >= closeTimeoutMs && afterMs < closeTimeoutMs + 1_000, `cut after ${afterMs} ms`);
    let received = "";
    const buffer = new Uint8Array(4096);
    for (let read = await conn.read(buffer); read !== null; read = await conn.read(buffer)) {
      received += new TextDecoder("latin1").decode(buffer.subarray(0, read));
    }
    ok(received.includes("heartbeat timeout"), "the close frame went out before the cut");
    conn.close();
  });
}

Deno.test("an upgrade missing its key or Connection: upgrade is a 400, and no handler runs", async () => {
  let upgrades = 0;
  let notUpgrades = 0;
  await using server = await serve({
    upgrade: () => ({ data: { name: String(upgrades++) } }),
    notUpgrade: () => void notUpgrades++,
  });
  const url = server.url.replace("ws:", "http:");
  const complete = {
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
  };
  for (const missing of ["sec-websocket-key", "connection"] as const) {
    const headers: Record<string, string> = { ...complete };
    delete headers[missing];
    const response = await fetch(url, { headers });
    await response.body?.cancel();
    equal(response.status, 400, `without ${missing}`);
  }
  deepEqual([upgrades, notUpgrades], [0, 2]);
});

const UPGRADE_REQUEST = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Sec-WebSocket-Version: 13\r\n\r\n";

/**
 * The guarded server's bridge between `node:http` and the fetch handler, on
 * real sockets with small handlers: what the URL may be, how bodies and
 * headers travel, how upgrades hand the socket to a WebSocket whose slot
 * is held until it closes, and how a refusal by close code is written on the
 * socket and ends whatever the client does.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type FetchHandler, serveGuarded } from "../../lib/framework/guarded_server.ts";
import { refuseWebSocket, upgradeToWebSocket } from "../../lib/framework/socket_handover.ts";
import { rawRequest } from "../security/_raw_connections.ts";

async function serve(handler: FetchHandler) {
  const server = await serveGuarded(handler, {
    hostname: "127.0.0.1",
    port: 0,
    headersTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
    maxConnections: 100,
    maxConnectionsPerAddress: 100,
    onError: () => {},
  });
  return Object.assign(server, { [Symbol.dispose]: () => server.close() });
}

const statusLine = (answer: string) => answer.split("\r\n")[0];

Deno.test("the URL is Host + an origin-form target; anything else is a 400", async () => {
  const seen: string[] = [];
  using server = await serve((req) => {
    seen.push(req.url);
    return new Response("ok");
  });
  const port = server.addr.port;
  const ask = (target: string, host = "127.0.0.1") =>
    rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

  equal(statusLine(await ask("//evil.example/x?y=1")), "HTTP/1.1 200 OK");
  equal(statusLine(await ask("http://evil.example/")), "HTTP/1.1 400 Bad Request");
  equal(statusLine(await ask("/", "evil.example@127.0.0.1")), "HTTP/1.1 400 Bad Request");
  equal(statusLine(await ask("/", "[::1]:8000")), "HTTP/1.1 200 OK");
  // A path that looks like an authority stays a path on the Host that was asked.
  deepEqual(seen, ["http://127.0.0.1//evil.example/x?y=1", "http://[::1]:8000/"]);
});

Deno.test("responses keep every Set-Cookie, HEAD gets no body, a throwing handler gets a 500", async () => {
  using server = await serve((req) => {
    if (new URL(req.url).pathname === "/throw") throw new Error("boom");
    const headers = new Headers();
    headers.append("set-cookie", "a=1; HttpOnly");
    headers.append("set-cookie", "b=2; HttpOnly");
    return new Response("body", { headers });
  });
  const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
  deepEqual(response.headers.getSetCookie(), ["a=1; HttpOnly", "b=2; HttpOnly"]);
  equal(await response.text(), "body");
  const head = await rawRequest(
    server.addr.port,
    "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
  );
  ok(head.endsWith("\r\n\r\n"), JSON.stringify(head));
  const failed = await fetch(`http://127.0.0.1:${server.addr.port}/throw`);
  equal(failed.status, 500);
  equal((await failed.json()).error.code, "internal");
});

Deno.test("a body the handler had whole gets a Content-Length, a stream is chunked as it comes", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  using server = await serve((req) => {
    const path = new URL(req.url).pathname;
    if (path === "/bytes") return new Response(new Uint8Array(3000).fill(0x61));
    if (path === "/json") return Response.json({ ok: true });
    if (path === "/empty") return new Response("");
    const encoder = new TextEncoder();
    return new Response(
      new ReadableStream({
        async start(controller) {
          controller.enqueue(encoder.encode("first;"));
          await released;
          controller.enqueue(encoder.encode("second"));
          controller.close();
        },
      }),
    );
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  for (const [path, length] of [["/bytes", "3000"], ["/json", "11"], ["/empty", "0"]]) {
    const response = await fetch(origin + path);
    equal(response.headers.get("content-length"), length, path);
    equal(response.headers.get("transfer-encoding"), null, path);
    equal((await response.bytes()).length, Number(length), path);
  }
  // The first chunk of a stream still being written is sent at once, not held for the second.
  const streamed = await fetch(`${origin}/stream`);
  equal(streamed.headers.get("transfer-encoding"), "chunked");
  const reader = streamed.body!.pipeThrough(new TextDecoderStream()).getReader();
  equal((await reader.read()).value, "first;");
  release();
  let rest = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    rest += chunk.value;
  }
  equal(rest, "second");
});

Deno.test("a handler that stops reading a body answers, and the connection closes after", async () => {
  using server = await serve(async (req) => {
    const reader = req.body!.getReader();
    await reader.read();
    await reader.cancel();
    return new Response("too large", { status: 413 });
  });
  // The body would go on for a megabyte; the server answers after its first chunk and closes.
  const answer = await rawRequest(
    server.addr.port,
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n" + "x".repeat(1024),
  );
  equal(statusLine(answer), "HTTP/1.1 413 Payload Too Large");
  ok(/\r\nconnection: close\r\n/i.test(answer), answer);
});

Deno.test("an upgrade is answered raw when refused, and holds its slot until the WebSocket closes", async () => {
  const closedOnServer = Promise.withResolvers<void>();
  using server = await serve((req, info) => {
    if (req.headers.get("origin") === "http://evil.example") {
      return new Response("foreign origin", { status: 403 });
    }
    const { socket, response } = upgradeToWebSocket(req, info, {});
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    socket.onclose = () => closedOnServer.resolve();
    return response;
  });
  const port = server.addr.port;
  const refused = await rawRequest(
    port,
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\nUpgrade: websocket\r\n" +
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
      "Sec-WebSocket-Version: 13\r\n\r\n",
  );
  equal(statusLine(refused), "HTTP/1.1 403 Forbidden");
  ok(refused.endsWith("foreign origin"), refused);

  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  const reply = Promise.withResolvers<string>();
  client.onmessage = (event) => reply.resolve(event.data);
  client.onopen = () => client.send("hi");
  equal(await reply.promise, "echo hi");
  equal(server.openConnections, 1, "the WebSocket holds its connection's slot");
  client.close();
  await closedOnServer.promise;
  equal(server.openConnections, 0, "and gives it back when it closes");
});

Deno.test("upgrades leave nothing behind: the heap stays flat over 3 000 WebSockets opened and closed", async () => {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./_upgrade_cycles.ts", import.meta.url).pathname,
      "500",
      "3000",
    ],
    stderr: "inherit",
  }).output();
  ok(success);
  const { bytesPerUpgrade, openConnections } = JSON.parse(new TextDecoder().decode(stdout));
  equal(openConnections, 0, "every slot given back");
  // With the emptied node:net handle left open it was 1 650-1 750 B per upgrade; closed, 50-130.
  ok(bytesPerUpgrade < 400, `${bytesPerUpgrade} B of heap kept per upgrade`);
});

const UPGRADE_REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Sec-WebSocket-Version: 13\r\n\r\n";

Deno.test("a client gone before its refused upgrade is answered cannot take the server down", async () => {
  // Each refusal waits until its client has closed, then answers with more than one write can
  // take: the writes meet a closed peer (EPIPE), which node:net raises as an "error" event.
  type Arrival = { answered: Promise<void> };
  let attempt: { arrived: PromiseWithResolvers<Arrival>; gone: Promise<void> } | undefined;
  using server = await serve(async (req, info) => {
    if (!req.headers.has("upgrade") || !attempt) return new Response("ok");
    attempt.arrived.resolve({ answered: info.completed });
    await attempt.gone;
    return new Response("x".repeat(256 * 1024), { status: 503 });
  });
  for (let index = 0; index < 10; index++) {
    const gone = Promise.withResolvers<void>();
    attempt = { arrived: Promise.withResolvers(), gone: gone.promise };
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(new TextEncoder().encode(UPGRADE_REQUEST));
    const { answered } = await attempt.arrived.promise;
    conn.close();
    gone.resolve();
    await answered;
  }
  attempt = undefined;
  // Still serving (an uncaught "error" would have failed this test).
  const answer = await rawRequest(
    server.addr.port,
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
  );
  equal(statusLine(answer), "HTTP/1.1 200 OK");
});

Deno.test("a frame sent right behind the upgrade request reaches the WebSocket", async () => {
  using server = await serve((req, info) => {
    const { socket, response } = upgradeToWebSocket(req, info, {});
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    return response;
  });
  // A masked text frame "hi" (zero mask): once in the request's own segment, once just after it.
  const frame = new Uint8Array([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]);
  const request = new TextEncoder().encode(UPGRADE_REQUEST);
  for (const together of [true, false]) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    if (together) {
      await conn.write(new Uint8Array([...request, ...frame]));
    } else {
      await conn.write(request);
      await conn.write(frame);
    }
    const buffer = new Uint8Array(4096);
    let received = "";
    while (!received.includes("echo hi")) {
      const read = await conn.read(buffer);
      if (read === null) break;
      received += new TextDecoder("latin1").decode(buffer.subarray(0, read));
    }
    ok(received.includes("echo hi"), JSON.stringify({ together, received }));
    conn.close();
  }
});

Deno.test("a refused upgrade's connection is closed by the server, so it holds no slot", async () => {
  const server = await serveGuarded(() => new Response("no", { status: 403 }), {
    hostname: "127.0.0.1",
    port: 0,
    headersTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
    maxConnections: 100,
    maxConnectionsPerAddress: 2,
  });
  try {
    // Each client reads the refusal to its end and never closes its side: the server must.
    const held: Deno.TcpConn[] = [];
    for (let index = 0; index < 5; index++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
      held.push(conn);
      await conn.write(new TextEncoder().encode(UPGRADE_REQUEST));
      const buffer = new Uint8Array(4096);
      let received = "";
      for (let read = await conn.read(buffer); read !== null; read = await conn.read(buffer)) {
        received += new TextDecoder().decode(buffer.subarray(0, read));
      }
      equal(statusLine(received), "HTTP/1.1 403 Forbidden", `attempt ${index}`);
    }
    for (const conn of held) conn.close();
  } finally {
    server.close();
  }
});

/**
 * A server that refuses every upgrade with `code` by close code, and tells
 * when each refused socket closed, in milliseconds since its request arrived.
 */
async function serveRefusing(code: number, protocol?: string) {
  const closed: PromiseWithResolvers<number>[] = [];
  const server = await serve((req, info) => {
    const arrived = performance.now();
    const socketClosed = Promise.withResolvers<number>();
    closed.push(socketClosed);
    info.handover?.socket.once("close", () => socketClosed.resolve(performance.now() - arrived));
    return refuseWebSocket(req, info, { code, reason: "refused", protocol });
  });
  return Object.assign(server, { closedAfterMs: (index: number) => closed[index].promise });
}

/** Connects, sends `request`, runs `then` (errors dropped: the server may hang up), reads all. */
async function exchange(
  port: number,
  request: string,
  then: (conn: Deno.TcpConn) => Promise<void>,
) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(request));
  const sending = then(conn).catch(() => {});
  const bytes: number[] = [];
  const buffer = new Uint8Array(4096);
  // A reset (the server cut a client still sending) ends the reading like an end would.
  const readSome = () => conn.read(buffer).catch(() => null);
  for (let read = await readSome(); read !== null; read = await readSome()) {
    bytes.push(...buffer.subarray(0, read));
  }
  await sending;
  conn.close();
  return new Uint8Array(bytes);
}

/** A masked client close frame with code 1000 (zero mask). */
const CLIENT_CLOSE = new Uint8Array([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]);

Deno.test("a refusal by close code is a 101 and a close frame on the raw socket; a client that answers is let go at once", async () => {
  using server = await serveRefusing(4401, "chat.v1");
  const request = UPGRADE_REQUEST.replace(
    "\r\n\r\n",
    "\r\nSec-WebSocket-Protocol: x, chat.v1\r\n\r\n",
  );
  const bytes = await exchange(server.addr.port, request, async (conn) => {
    await conn.write(CLIENT_CLOSE);
    await conn.closeWrite();
  });
  const text = new TextDecoder("latin1").decode(bytes);
  const head = text.slice(0, text.indexOf("\r\n\r\n") + 4);
  equal(statusLine(head), "HTTP/1.1 101 Switching Protocols");
  ok(head.includes("\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), head);
  ok(head.includes("\r\nsec-websocket-protocol: chat.v1\r\n"), head);
  deepEqual([...bytes.subarray(head.length)], [
    0x88,
    9,
    0x11,
    0x31,
    ...new TextEncoder().encode("refused"),
  ]);
  const closedAfter = await server.closedAfterMs(0);
  ok(closedAfter < 500, `closed ${closedAfter} ms after the request, not at the 1 s grace`);
  equal(server.openConnections, 0);
});

Deno.test("a refused client that keeps sending is cut: past 16 KiB at once, a trickle at the 1 s grace", async () => {
  using server = await serveRefusing(4429);
  const port = server.addr.port;
  await exchange(port, UPGRADE_REQUEST, async (conn) => {
    for (let sent = 0; sent < 64 * 1024 * 1024; sent += 1024 * 1024) {
      await conn.write(new Uint8Array(1024 * 1024));
    }
  });
  const flood = await server.closedAfterMs(0);
  ok(flood < 500, `a flood was cut after ${flood} ms`);
  await exchange(port, UPGRADE_REQUEST, async (conn) => {
    for (let sent = 0; sent < 16 * 1024; sent += 100) {
      await conn.write(new Uint8Array(100));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  const trickle = await server.closedAfterMs(1);
  ok(trickle >= 1_000 && trickle < 2_000, `a trickle was cut after ${trickle} ms`);
  equal(server.openConnections, 0);
});

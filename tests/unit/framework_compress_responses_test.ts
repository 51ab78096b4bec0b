/**
 * The compressing middleware on a real server: large pages and JSON go out
 * compressed as the request prefers; small ones, the event stream, WebSocket
 * upgrades, `no-transform` and skipped paths go out as they are.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { App } from "../../lib/framework/app.ts";
import { compressResponses } from "../../lib/framework/compress_responses.ts";
import { rawGet } from "../_helpers/raw_http.ts";

const BIG = {
  items: Array.from({ length: 200 }, (_, index) => ({ index, name: `item ${index}` })),
};
const PAGE = `<!DOCTYPE html><html><body>${"<p>hello, switchboard</p>".repeat(100)}</body></html>`;

async function startServer() {
  const root = new URL(`file://${await Deno.makeTempDir({ prefix: "sb-compress-" })}/`);
  let streamController: ReadableStreamDefaultController<Uint8Array> | null = null;
  const app = new App<unknown>({ root })
    .use(compressResponses({ skip: (req) => new URL(req.url).pathname === "/secret" }))
    .get("/big.json", () => Response.json(BIG, { headers: { etag: '"v1"', vary: "Cookie" } }))
    .get("/small.json", () => Response.json({ ok: true }))
    .get("/page", () => new Response(PAGE, { headers: { "content-type": "text/html" } }))
    .get("/secret", () => Response.json(BIG))
    .get("/raw", () => Response.json(BIG, { headers: { "cache-control": "no-transform" } }))
    .get(
      "/image",
      () => new Response(new Uint8Array(4_000), { headers: { "content-type": "image/png" } }),
    )
    .get("/events", () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start: (controller) => void (streamController = controller),
        }),
        { headers: { "content-type": "text/event-stream" } },
      ))
    .ws("/socket", {
      upgrade: () => ({ data: null }),
      message: (socket, event) => socket.send(`echo ${event.data}`),
    });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler());
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const raw = (path: string, acceptEncoding?: string) =>
    rawGet(
      `${origin}${path}`,
      acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding },
    );
  return {
    origin,
    raw,
    sendEvent: (text: string) => streamController?.enqueue(new TextEncoder().encode(text)),
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await Deno.remove(root, { recursive: true });
    },
  };
}

const decoder = new TextDecoder();

Deno.test("large JSON and pages are compressed as the request prefers, with Vary and a new ETag", async () => {
  await using server = await startServer();
  const br = await server.raw("/big.json", "gzip, deflate, br");
  equal(br.headers["content-encoding"], "br");
  equal(br.headers["vary"], "Cookie, Accept-Encoding");
  equal(br.headers["etag"], '"v1-br"');
  deepEqual(JSON.parse(decoder.decode(brotliDecompressSync(br.body))), BIG);
  ok(br.body.length < JSON.stringify(BIG).length / 4, `${br.body.length} bytes`);

  const head = await rawGet(`${server.origin}/page`, { "accept-encoding": "br" }, "HEAD");
  equal(head.headers["content-encoding"], "br", "HEAD says what GET would send");
  equal(head.body.length, 0);

  const gzip = await server.raw("/page", "gzip");
  equal(gzip.headers["content-encoding"], "gzip");
  equal(gzip.headers["vary"], "Accept-Encoding");
  equal(decoder.decode(gunzipSync(gzip.body)), PAGE);

  for (const accept of [undefined, "identity", "br;q=0, gzip;q=0", "*;q=0"]) {
    const plain = await server.raw("/big.json", accept);
    equal(plain.headers["content-encoding"], undefined, String(accept));
    equal(plain.headers["vary"], "Cookie, Accept-Encoding");
    equal(plain.headers["etag"], '"v1"');
    deepEqual(JSON.parse(decoder.decode(plain.body)), BIG);
  }
});

Deno.test("small bodies, images, no-transform and skipped paths are sent as they are", async () => {
  await using server = await startServer();
  const small = await server.raw("/small.json", "br");
  equal(small.headers["content-encoding"], undefined);
  equal(
    small.headers["vary"],
    "Accept-Encoding",
    "a larger answer at this URL would be compressed",
  );
  deepEqual(JSON.parse(decoder.decode(small.body)), { ok: true });

  for (const path of ["/image", "/raw", "/secret"]) {
    const response = await server.raw(path, "br, gzip");
    equal(response.status, 200, path);
    equal(response.headers["content-encoding"], undefined, path);
    equal(response.headers["vary"], undefined, path);
  }
});

Deno.test("the event stream is never compressed: each event arrives as it is written", async () => {
  await using server = await startServer();
  const response = await fetch(`${server.origin}/events`, {
    headers: { "accept-encoding": "br, gzip" },
  });
  equal(response.headers.get("content-encoding"), null);
  const reader = response.body!.getReader();
  server.sendEvent("data: one\n\n");
  equal(decoder.decode((await reader.read()).value), "data: one\n\n");
  server.sendEvent("data: two\n\n");
  equal(decoder.decode((await reader.read()).value), "data: two\n\n");
  await reader.cancel();
});

Deno.test("a WebSocket upgrade passes through, whatever the request accepts", async () => {
  await using server = await startServer();
  // Browsers send Accept-Encoding on the upgrade request too.
  const connection = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(server.origin.split(":")[2]),
  });
  await connection.write(new TextEncoder().encode([
    "GET /socket HTTP/1.1",
    `Host: ${server.origin.slice("http://".length)}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "Accept-Encoding: gzip, deflate, br",
    "",
    "",
  ].join("\r\n")));
  const buffer = new Uint8Array(1_024);
  const read = await connection.read(buffer);
  const head = decoder.decode(buffer.subarray(0, read ?? 0));
  ok(head.startsWith("HTTP/1.1 101"), head);
  ok(/sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i.test(head), head);
  ok(!/content-encoding/i.test(head), head);
  connection.close();
});

/**
 * How the fallback transport reads `GET /api/events` (with `eventsource-parser`):
 * one frame per event, whatever the chunking, the line endings, a byte order
 * mark or the other fields; a stream that never ends its event is cut off.
 */
import { deepEqual, equal } from "node:assert/strict";
import { createHttpTransport, MAX_EVENT_CHARS } from "../../lib/client/http_transport.ts";
import type { TransportClose } from "../../lib/client/transport.ts";
import type { FrameError, ServerFrame } from "../../lib/protocol/mod.ts";

const PING = { type: "ping", t: 1 };
const PONG = { type: "pong", t: 2 };

/** Reads a stream that sends `chunks` (text or bytes) and then ends. */
async function read(chunks: (string | Uint8Array)[]) {
  const frames: ServerFrame[] = [];
  const invalid: FrameError[] = [];
  const { promise: closed, resolve } = Promise.withResolvers<TransportClose>();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      }
      controller.close();
    },
  });
  const connect = createHttpTransport({
    eventsUrl: "http://switchboard.test/api/events",
    sendUrl: "http://switchboard.test/api/send",
    fetch: () =>
      Promise.resolve(new Response(body, { headers: { "content-type": "text/event-stream" } })),
  });
  connect("token", {
    onOpen: () => {},
    onFrame: (frame) => frames.push(frame),
    onInvalidFrame: (error) => invalid.push(error),
    onClose: resolve,
  });
  return { frames, invalid, close: await closed };
}

const frame = (value: object) => JSON.stringify(value);

Deno.test("events end at a blank line, whatever the chunking", async () => {
  const text = `data: ${frame(PING)}\n\ndata: ${frame(PONG)}\n\n`;
  deepEqual((await read([text])).frames, [PING, PONG]);
  deepEqual((await read(text.split(""))).frames, [PING, PONG]);
  // Split inside a UTF-8 character too.
  const bytes = new TextEncoder().encode(`data: {"type":"ping","t":1,"x":"☃"}\n\n`);
  deepEqual((await read([bytes.slice(0, 30), bytes.slice(30)])).frames, [{ ...PING, x: "☃" }]);
});

Deno.test("CRLF and CR line endings, also split between chunks, and a byte order mark", async () => {
  const ping = frame(PING);
  deepEqual((await read([`data: ${ping}\r`, "\n\r", `\ndata: ${frame(PONG)}\r\r`])).frames, [
    PING,
    PONG,
  ]);
  const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
  deepEqual((await read([bom, `data: ${ping}\n\n`])).frames, [PING]);
});

Deno.test("multi-line data is joined; comments, event, id and retry fields are not data", async () => {
  const text =
    `: keep-alive\nevent: frame\nid: 3\nretry: 500\ndata: {"type":"ping",\ndata:"t":1}\n\n`;
  const { frames, invalid } = await read([text]);
  deepEqual(frames, [PING]);
  deepEqual(invalid, []);
});

Deno.test("an event without its blank line is never delivered; a bad frame is reported", async () => {
  const { frames, invalid, close } = await read([
    `data: ${frame(PING)}\n\ndata: {"type":"nope"}\n\n`,
    "data: partial\n",
  ]);
  deepEqual(frames, [PING]);
  equal(invalid.length, 1);
  equal(invalid[0].field, "type");
  deepEqual(close, { code: 1006, reason: "event stream ended" });
});

Deno.test("a stream that never ends its event is closed as too big", async () => {
  const line = "x".repeat(1024 * 1024);
  const chunks = ["data: ", ...Array(MAX_EVENT_CHARS / line.length + 1).fill(line)];
  const { frames, close } = await read(chunks);
  deepEqual(frames, []);
  deepEqual(close, { code: 1009, reason: "event stream: an event without an end" });
});

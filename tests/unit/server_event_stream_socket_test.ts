import { equal, ok, rejects, throws } from "node:assert/strict";
import { createEventStreamSocket } from "../../lib/server/session/event_stream_socket.ts";

function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

Deno.test("event stream socket: one data event per frame; close delivers what was queued", async () => {
  const stream = createEventStreamSocket();
  stream.send('{"type":"hello","user":{"name":"Zoë"}}');
  stream.send('{"type":"reconnect"}');
  const queued = 'data: {"type":"hello","user":{"name":"Zoë"}}\n\ndata: {"type":"reconnect"}\n\n';
  const queuedBytes = new TextEncoder().encode(queued).byteLength;
  equal(stream.bufferedAmount, queuedBytes, "counts queued bytes, not characters, until read");
  stream.close(1012, "server restarting");
  equal(await stream.closed, 1012);
  throws(() => stream.send("{}"));
  equal(await readAll(stream.body), queued);
  stream.close(1000, "again");
  equal(await stream.closed, 1012, "the first close counts");
});

Deno.test("event stream socket: a client that stops reading closes it with 1001", async () => {
  const stream = createEventStreamSocket();
  stream.send("{}");
  await stream.body.cancel();
  equal(await stream.closed, 1001);
});

Deno.test("event stream socket: a slow consumer's close (1008) drops what was queued", async () => {
  const stream = createEventStreamSocket();
  for (let frame = 0; frame < 100; frame++) stream.send(JSON.stringify({ n: "x".repeat(1000) }));
  ok(stream.bufferedAmount > 100_000);
  stream.close(1008, "slow consumer");
  equal(await stream.closed, 1008);
  await rejects(readAll(stream.body));
});

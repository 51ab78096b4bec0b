import assert from "node:assert/strict";
import { createEventStreamParser } from "../../lib/client/event_stream.ts";

function parse(chunks: string[]): string[] {
  const events: string[] = [];
  const parser = createEventStreamParser((data) => events.push(data));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

Deno.test("events end at a blank line, whatever the chunking", () => {
  const text = 'data: {"a":1}\n\ndata: {"b":2}\n\n';
  assert.deepEqual(parse([text]), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(parse(text.split("")), ['{"a":1}', '{"b":2}']);
});

Deno.test("CRLF and CR line endings, also split between chunks", () => {
  assert.deepEqual(parse(["data: x\r", "\n\r", "\ndata: y\r\r", "\n"]), ["x", "y"]);
  // A trailing CR may be half of a CRLF, so the event waits for the next chunk.
  assert.deepEqual(parse(["data: z\r\r"]), []);
  assert.deepEqual(parse(["data: z\r\r", "data: w"]), ["z"]);
});

Deno.test("multi-line data is joined; comments and other fields are skipped", () => {
  const text = ": keep-alive\nevent: frame\nid: 3\ndata: one\ndata:two\n\n";
  assert.deepEqual(parse([text]), ["one\ntwo"]);
});

Deno.test("an event without a blank line after it is not dispatched yet", () => {
  assert.deepEqual(parse(["data: partial\n"]), []);
});

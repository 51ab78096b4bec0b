import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import type { ServerFrame } from "../../lib/protocol/frames.ts";

async function connect(server: TestServer, name = "ada"): Promise<TestSocket> {
  const { token } = await server.services.tokens.sign({ id: `user:${name}`, name, role: "user" });
  const client = await openSocket(server.wsUrl, { token });
  equal((await client.next()).type, "hello");
  return client;
}

/** Proves a socket is still served: a ping gets its pong. */
async function assertServed(client: TestSocket, t: number) {
  client.send({ type: "ping", t });
  deepEqual(await client.next(), { type: "pong", t });
}

Deno.test("ping gets pong with the same t and ref", async () => {
  await using server = await startTestServer();
  await using client = await connect(server);
  client.send({ type: "ping", t: 123, ref: "r1" });
  deepEqual(await client.next(), { type: "pong", t: 123, ref: "r1" });
  client.send({ type: "ping", t: 4.5 });
  deepEqual(await client.next(), { type: "pong", t: 4.5 });
});

Deno.test("each bad frame gets bad_frame, and the socket and others keep being served", async () => {
  await using server = await startTestServer();
  await using client = await connect(server);
  await using bystander = await connect(server, "bob");
  const cases: [string, Partial<ServerFrame>][] = [
    ["{not json", { message: "frame is not valid JSON" }],
    ["[1,2]", { message: "frame must be a JSON object" }],
    ['{"t":1,"ref":"a"}', { message: "type: missing or not a string", ref: "a" }],
    ['{"type":"dance","ref":"b"}', { ref: "b" }],
    ['{"type":"ping","t":"soon","ref":"c"}', { ref: "c" }],
    ['{"type":"join","room":"Not A Room","ref":"d"}', { ref: "d" }],
    ['{"type":"ping","t":1,"__proto__":{"admin":true},"ref":"e"}', {
      message: "__proto__: this key is not allowed",
      ref: "e",
    }],
    ['{"type":"join","room":"general","x":{"constructor":{}}}', {
      message: "x.constructor: this key is not allowed",
    }],
  ];
  for (const [i, [text, expected]] of cases.entries()) {
    client.send(text);
    const error = await client.next();
    equal(error.type, "error", text);
    if (error.type !== "error") continue;
    equal(error.code, "bad_frame", text);
    equal(error.recoverable, true, text);
    for (const [key, value] of Object.entries(expected)) {
      equal(error[key as keyof typeof error], value, text);
    }
    await assertServed(client, i);
    await assertServed(bystander, i);
  }
  client.send('{"type":"ping","t":"soon"}');
  const typed = await client.next();
  ok(typed.type === "error");
  match(typed.message, /^t: /);
  equal(({} as Record<string, unknown>).admin, undefined);
});

Deno.test("a binary frame is refused with bad_frame and the socket stays open", async () => {
  await using server = await startTestServer();
  await using client = await connect(server);
  client.socket.send(new Uint8Array([1, 2, 3]));
  const error = await client.next();
  ok(error.type === "error");
  equal(error.code, "bad_frame");
  match(error.message, /binary/);
  await assertServed(client, 1);
});

Deno.test("a 1 MiB frame closes that socket with 1009, and others are still served", async () => {
  await using server = await startTestServer();
  await using client = await connect(server);
  await using bystander = await connect(server, "bob");
  client.send(JSON.stringify({ type: "ping", t: 1, pad: "x".repeat(1024 * 1024) }));
  const closed = await client.closed;
  equal(closed.code, 1009);
  await assertServed(bystander, 2);
  // A binary frame over the limit is too big as well.
  await using binary = await connect(server);
  binary.socket.send(new Uint8Array(65_537));
  equal((await binary.closed).code, 1009);
});

Deno.test("a text over max_text_chars gets too_large", async () => {
  await using server = await startTestServer({ env: { MAX_TEXT_CHARS: "10" } });
  await using client = await connect(server);
  client.send({ type: "join", room: "general" });
  equal((await client.next()).type, "joined");
  client.send({ type: "send", room: "general", text: "x".repeat(11), cid: "c1", ref: "s" });
  const error = await client.next();
  ok(error.type === "error");
  equal(error.code, "too_large");
  equal(error.ref, "s");
});

Deno.test("max_text_chars counts code points on the wire: an emoji is one character", async () => {
  await using server = await startTestServer({ env: { MAX_TEXT_CHARS: "10" } });
  await using client = await connect(server);
  const sendEmoji = (count: number, ref: string) =>
    client.send({ type: "send", room: "general", text: "😀".repeat(count), cid: ref, ref });
  client.send({ type: "join", room: "general", ref: "join" });
  // Ten emoji are twenty UTF-16 units, and ten characters as the contract counts them.
  sendEmoji(10, "ten");
  sendEmoji(11, "eleven");
  // The two sends are pipelined: their replies may come in either order.
  const byRef = new Map<string, ServerFrame>();
  while (!byRef.has("ten") || !byRef.has("eleven")) {
    const frame = await client.next();
    if ("ref" in frame && frame.ref !== undefined) byRef.set(frame.ref, frame);
  }
  equal(byRef.get("join")?.type, "joined");
  equal(byRef.get("ten")?.type, "ack");
  const error = byRef.get("eleven");
  ok(error?.type === "error");
  equal(error.code, "too_large");
  equal(error.message, "a message has at most 10 characters; this one has 11");
});

Deno.test("over the rate limit: rate_limited with retry_after_ms, then 4429 when it goes on", async () => {
  const clock = createVirtualClock(Date.now());
  await using server = await startTestServer({ clock });
  await using client = await connect(server);
  await using bystander = await connect(server, "bob");
  client.send({ type: "join", room: "general" });
  equal((await client.next()).type, "joined");
  // The burst is 20 frames: the join and 19 typing frames pass, the next is refused.
  for (let i = 0; i < 19; i++) client.send({ type: "typing", room: "general" });
  client.send({ type: "typing", room: "general", ref: "over" });
  deepEqual(await client.next(), {
    type: "error",
    code: "rate_limited",
    message: "too many frames; slow down",
    recoverable: true,
    retry_after_ms: 200,
    ref: "over",
  });
  // ping is exempt even with an empty bucket.
  await assertServed(client, 1);
  clock.advance(200);
  client.send({ type: "join", room: "general", ref: "after-wait" });
  const joined = await client.next();
  equal(joined.type === "joined" && joined.ref, "after-wait");

  // 3× the rate for the whole 10 s window is 100 refusals: the 101st closes the socket. Each
  // refusal is awaited, because Deno drops a connection (code 0) that sends after a close frame.
  let refusals = 0;
  for (;;) {
    client.send({ type: "typing", room: "general" });
    const reply = await Promise.race([client.next(), client.closed]);
    if (reply instanceof CloseEvent) {
      equal(reply.code, 4429);
      break;
    }
    equal(reply.type === "error" && reply.code, "rate_limited");
    refusals++;
  }
  equal(refusals, 99, "with the one above, 100 refusals are tolerated");
  await assertServed(bystander, 2);
});

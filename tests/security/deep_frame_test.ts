/**
 * Attack: one ~40 KB frame of arrays nested 20 000 deep. A recursive walk of it
 * overflowed the stack inside a WebSocket event handler, which ended the whole
 * process. It must get `bad_frame`, over the WebSocket and over the fallback,
 * and change nothing for anyone else.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";
import { openEventStream } from "../integration/fallback_stream.ts";
import { assertStillServing, joinedSocket, tokenFor } from "./_attack.ts";

const DEPTH = 20_000;
const DEEP_FRAME = `{"type":"ping","t":1,"ref":"deep","x":${"[".repeat(DEPTH)}${
  "]".repeat(DEPTH)
}}`;

Deno.test("a frame nested 20 000 deep gets bad_frame on a socket; the server and others carry on", async () => {
  await using server = await startServerProcess();
  const wsUrl = `ws://127.0.0.1:${server.port}/api/ws`;
  await using bystander = await joinedSocket(wsUrl, "bystander", "general");
  await using attacker = await joinedSocket(wsUrl, "attacker", "general");

  for (let attempt = 0; attempt < 3; attempt++) attacker.send(DEEP_FRAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    const error = await attacker.nextOf("error");
    equal(error.code, "bad_frame");
    equal(error.ref, "deep");
    match(error.message, /nested deeper than 32 levels/);
  }
  // A bad frame does not close the socket: the attacker is still served, and so is everyone.
  attacker.send({ type: "ping", t: 7 });
  equal((await attacker.nextOf("pong")).t, 7);
  bystander.send({ type: "send", room: "general", text: "unharmed", cid: "b1" });
  equal((await bystander.nextOf("ack")).cid, "b1");
  equal((await attacker.nextOf("message")).text, "unharmed");
  await assertStillServing(server);
});

Deno.test("a frame nested 20 000 deep gets bad_frame over the fallback, alone or in an array", async () => {
  await using server = await startServerProcess();
  await using stream = await openEventStream(server.origin, await tokenFor("attacker"));

  const single = await stream.post(DEEP_FRAME);
  equal(single.status, 202);
  const first = await stream.nextOf("error");
  equal(first.code, "bad_frame");
  equal(first.ref, "deep");

  const batch = await stream.post(`[{"type":"ping","t":1},${DEEP_FRAME},{"type":"ping","t":2}]`);
  equal(batch.status, 202);
  // A bad frame is answered at once, valid ones in turn: the error may come first.
  const replies = [await stream.next(), await stream.next(), await stream.next()];
  const errors = replies.filter((frame) => frame.type === "error");
  equal(errors.length, 1, JSON.stringify(replies));
  ok(errors[0].type === "error" && errors[0].code === "bad_frame" && errors[0].ref === "deep");
  deepEqual(replies.filter((frame) => frame.type === "pong"), [
    { type: "pong", t: 1 },
    { type: "pong", t: 2 },
  ]);
  await assertStillServing(server);
});

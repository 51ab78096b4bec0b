/**
 * A fallback POST that reaches another isolate than its session's event
 * stream: two instances in one process on one bus namespace (the isolates of
 * `deno serve --parallel` in miniature). The stream is opened on A, the POSTs
 * go to B, which relays them to A over the bus.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openEventStream } from "./fallback_stream.ts";

async function tokenFor(server: TestServer, name: string) {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role: "user" })).token;
}

/** `POST /api/send?session=` to `server`, whichever instance holds the session. */
async function postTo(server: TestServer, session: string, token: string, body: unknown) {
  const response = await fetch(`${server.origin}/api/send?session=${session}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  await response.body?.cancel();
  return response.status;
}

/** Two instances on one KV database and one bus namespace (both derive it from the KV path). */
async function withTwoInstances(
  env: Record<string, string>,
  run: (a: TestServer, b: TestServer) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "sb-relay-" });
  const kvPath = `${dir}/switchboard.kv`;
  const kv = await Deno.openKv(kvPath);
  try {
    await using a = await startTestServer({ kv, kvPath, env });
    await using b = await startTestServer({ kv, kvPath, env });
    await run(a, b);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("fallback relay: frames posted to another instance are handled by the stream's", async () => {
  await withTwoInstances({}, async (a, b) => {
    const token = await tokenFor(a, "ada");
    await using stream = await openEventStream(a.origin, token);
    const { session } = stream.hello;
    equal(b.services.hub.session(session), undefined, "B does not hold the session");

    const posted = await postTo(b, session, token, [
      { type: "join", room: "lobby", ref: "j" },
      { type: "send", room: "lobby", text: "via b", cid: "c1", ref: "s" },
    ]);
    equal(posted, 202);
    equal((await stream.nextOf("joined")).ref, "j");
    const replies = [await stream.next(), await stream.next()];
    const ack = replies.find((frame) => frame.type === "ack");
    const message = replies.find((frame) => frame.type === "message");
    ok(ack?.type === "ack" && message?.type === "message", JSON.stringify(replies));
    deepEqual([ack.cid, ack.seq, ack.ref], ["c1", 1, "s"]);
    equal(message.text, "via b");

    equal(a.services.metrics.framesReceived.labels("send").value, 1, "handled on A");
    equal(b.services.metrics.framesReceived.labels("send").value, 0, "not on B");
  });
});

Deno.test("fallback relay: another user's POST is 403 and an unknown session 404, via any instance", async () => {
  await withTwoInstances({}, async (a, b) => {
    const token = await tokenFor(a, "ada");
    await using stream = await openEventStream(a.origin, token);
    const { session } = stream.hello;

    equal(await postTo(b, session, await tokenFor(a, "bob"), { type: "ping", t: 1 }), 403);
    equal(await postTo(b, "no-such-session", token, { type: "ping", t: 2 }), 404);
    equal(await postTo(a, "no-such-session", token, { type: "ping", t: 3 }), 404);

    // Neither reached the session: the next frame on the stream answers this ping.
    equal(await postTo(b, session, token, { type: "ping", t: 4 }), 202);
    deepEqual(await stream.next(), { type: "pong", t: 4 });
  });
});

Deno.test("fallback relay: the owner applies the limits: a body too large via B is 413 and ends the session", async () => {
  await withTwoInstances({ MAX_FRAME_BYTES: "256", RATE_BURST: "2" }, async (a, b) => {
    const token = await tokenFor(a, "ada");
    const stream = await openEventStream(a.origin, token);
    equal(await postTo(b, stream.hello.session, token, "x".repeat(600)), 413);
    await stream.ended;
    equal(a.services.metrics.connectionsClosed.labels(1009).value, 1);
  });
});

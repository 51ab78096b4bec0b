/**
 * The fallback transport under `deno task start` (`serve.ts` with one isolate
 * per core, here two): each isolate serves its own TCP connections, so a client's POSTs land
 * on whichever isolate their connection reached. Two event streams are held
 * on different isolates, and each round posts to both over one fresh
 * connection, so every round sends one POST to the isolate that does not hold
 * its session.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startParallelServer } from "../_helpers/parallel_server.ts";
import type { ServerFrame } from "../../lib/protocol/frames.ts";
import { openEventStream, type TestEventStream } from "./fallback_stream.ts";

const ROUNDS = 8;

interface Client {
  token: string;
  stream: TestEventStream;
}

/** Posts a body to a client's session over `connection`; resolves with the status. */
async function post(origin: string, client: Client, body: unknown, connection: Deno.HttpClient) {
  const response = await fetch(`${origin}/api/send?session=${client.stream.hello.session}`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    client: connection,
  });
  await response.body?.cancel();
  return response.status;
}

/** Frames that answer a client frame; room messages, presence and pings are skipped. */
const REPLY_TYPES: ReadonlySet<ServerFrame["type"]> = new Set(["joined", "ack", "error", "pong"]);

async function nextReply(stream: TestEventStream): Promise<ServerFrame> {
  for (;;) {
    const frame = await stream.next();
    if (REPLY_TYPES.has(frame.type)) return frame;
  }
}

Deno.test("fallback under `deno task start` (2 workers): POSTs on any isolate reach the session; every send is acked once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-parallel-fallback-" });
  const server = await startParallelServer(`${dir}/kv`);
  const origin = `http://127.0.0.1:${server.port}`;
  const opened: TestEventStream[] = [];
  try {
    // A streaming response holds its connection, so each stream opens a new one.
    const clients = new Map<string, Client>();
    for (let i = 0; clients.size < 2 && i < 40; i++) {
      const guest = await fetch(`${origin}/api/guest`, {
        method: "POST",
        body: JSON.stringify({ name: `guest${i}` }),
      });
      const { token } = await guest.json();
      const stream = await openEventStream(origin, token);
      opened.push(stream);
      if (!clients.has(stream.hello.instance)) {
        clients.set(stream.hello.instance, { token, stream });
      }
    }
    equal(clients.size, 2, "streams on both isolates");

    // Each client has a room of its own, and every reply is awaited before the next POST:
    // the subject is where frames go, not how the store takes concurrent commits.
    for (let round = 0; round < ROUNDS; round++) {
      // One fresh connection per round, to one isolate: one of its two POSTs crosses.
      using connection = Deno.createHttpClient({});
      for (const [instance, client] of clients) {
        const label = `round ${round}, ${instance}`;
        if (round === 0) {
          equal(await post(origin, client, { type: "join", room: instance }, connection), 202);
          const joined = await nextReply(client.stream);
          equal(joined.type, "joined", `${label}: ${JSON.stringify(joined)}`);
        }
        const cid = `${instance}-${round}`;
        const send = { type: "send", room: instance, text: label, cid };
        equal(await post(origin, client, send, connection), 202, label);
        const ack = await nextReply(client.stream);
        ok(ack.type === "ack" && ack.cid === cid, `${label}: ${JSON.stringify(ack)}`);
      }
    }

    // A POST's frames are handled in order: a second ack of any send would come before this pong.
    using connection = Deno.createHttpClient({});
    for (const client of clients.values()) {
      equal(await post(origin, client, { type: "ping", t: 1 }, connection), 202);
      deepEqual(await nextReply(client.stream), { type: "pong", t: 1 });
    }
  } finally {
    for (const stream of opened) await stream[Symbol.asyncDispose]();
    server.child.kill("SIGTERM");
    await server.collected;
    await server.child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

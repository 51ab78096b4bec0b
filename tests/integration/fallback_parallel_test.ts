/**
 * The fallback transport under `deno serve --parallel` (what `deno task start`
 * runs): each isolate serves its own TCP connections, so a client's POSTs land
 * on whichever isolate their connection reached. Two event streams are held
 * on different isolates, and each round posts to both over one fresh
 * connection, so every round sends at least one POST to the isolate that does
 * not hold its session.
 */
import { equal } from "node:assert/strict";
import { TEST_SECRET } from "../_helpers/server.ts";
import type { ServerFrame } from "../../lib/protocol/frames.ts";
import { openEventStream, type TestEventStream } from "./fallback_stream.ts";

const root = new URL("../../", import.meta.url);
const ROUNDS = 8;

/** Starts `deno serve --parallel main.ts` and resolves its port once it listens. */
async function startParallelServer(kvPath: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["serve", "--parallel", "-A", "--port", "0", "main.ts"],
    cwd: root.pathname,
    env: { KV_PATH: kvPath, JWT_SECRETS: TEST_SECRET, LOG_LEVEL: "error" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const port = Promise.withResolvers<number>();
  const collected = Promise.all(
    [child.stdout, child.stderr].map((stream) =>
      stream.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({
          write(chunk) {
            output += chunk;
            const found = /Listening on http:\/\/[^:]+:(\d+)\//.exec(output);
            if (found) port.resolve(Number(found[1]));
          },
        }),
      )
    ),
  );
  child.status.then(() => port.reject(new Error(`server exited early:\n${output}`)));
  return { child, port: await port.promise, collected };
}

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

/** The frames of a stream up to the `pong` answering `t`. */
async function framesUntilPong(stream: TestEventStream, t: number): Promise<ServerFrame[]> {
  const frames: ServerFrame[] = [];
  for (;;) {
    const frame = await stream.next();
    if (frame.type === "pong" && frame.t === t) return frames;
    frames.push(frame);
  }
}

Deno.test("fallback under `deno serve --parallel`: POSTs on any isolate reach the session; every send is acked once", async () => {
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

    for (let round = 0; round < ROUNDS; round++) {
      // One fresh connection per round, to one isolate: one of the two POSTs crosses.
      using connection = Deno.createHttpClient({});
      for (const [instance, client] of clients) {
        const frames = [
          ...(round === 0 ? [{ type: "join", room: "relay" }] : []),
          {
            type: "send",
            room: "relay",
            text: `${instance} ${round}`,
            cid: `${instance}-${round}`,
          },
        ];
        equal(await post(origin, client, frames, connection), 202, `round ${round}, ${instance}`);
      }
    }

    using connection = Deno.createHttpClient({});
    for (const [instance, client] of clients) {
      // A POST's frames are handed over before it answers, and handled in order: the pong
      // comes after every ack of this session.
      equal(await post(origin, client, { type: "ping", t: 1 }, connection), 202);
      const acks = (await framesUntilPong(client.stream, 1)).flatMap((frame) =>
        frame.type === "ack" ? [frame.cid] : []
      );
      const expected = Array.from({ length: ROUNDS }, (_, round) => `${instance}-${round}`);
      equal(acks.join(" "), expected.join(" "), `each send of ${instance} acked once, in order`);
    }
  } finally {
    for (const stream of opened) await stream[Symbol.asyncDispose]();
    server.child.kill("SIGTERM");
    await server.collected;
    await server.child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

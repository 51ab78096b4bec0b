import { deepEqual, equal, ok } from "node:assert/strict";
import type { ServerFrame, ServerFrameOf, SessionUser } from "../../lib/protocol/mod.ts";
import { startTestServer } from "../_helpers/server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { ROOM_TEST_SECRET, startRoomServer } from "../fault/_room_server.ts";
import { roomTestToken, spawnRoomServer } from "../fault/_room_process.ts";

const ada: SessionUser = { id: "u-ada", name: "ada", role: "user" };
const bob: SessionUser = { id: "u-bob", name: "bob", role: "user" };
const FAST_RATE = { RATE_BURST: "1000", RATE_PER_SECOND: "1000" };

async function joinAs(wsUrl: string, user: SessionUser, since?: number) {
  const client = await openSocket(wsUrl, { token: await roomTestToken(user) });
  await client.nextOf("hello");
  client.send({ type: "join", room: "general", since });
  return { client, joined: await client.nextOf("joined") };
}

/** A client and every frame read from it so far, to wait on without losing any. */
function framesOf(client: TestSocket) {
  const frames: ServerFrame[] = [];
  const of = <T extends ServerFrame["type"]>(type: T) =>
    frames.filter((frame) => frame.type === type) as ServerFrameOf<T>[];
  const until = async <T extends ServerFrame["type"]>(type: T, count: number) => {
    while (of(type).length < count) frames.push(await client.next());
    return of(type);
  };
  return { client, of, until };
}

function range(from: number, through: number) {
  return Array.from({ length: through - from + 1 }, (_, index) => from + index);
}

Deno.test("two clients in a room exchange messages with consecutive seqs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_ws_" });
  const server = await startRoomServer({ kvPath: `${dir}/kv` });
  try {
    const first = await joinAs(server.wsUrl, ada);
    await using adaClient = first.client;
    const { client: bobClient, joined } = await joinAs(server.wsUrl, bob);
    await using _bob = bobClient;
    deepEqual(joined.presence.map((user) => user.name), ["ada", "bob"]);

    const [adaFrames, bobFrames] = [framesOf(adaClient), framesOf(bobClient)];
    for (let index = 0; index < 4; index++) {
      const sender = index % 2 ? bobFrames : adaFrames;
      sender.client.send({ type: "send", room: "general", text: `hi ${index}`, cid: `c${index}` });
      const acks = await sender.until("ack", Math.floor(index / 2) + 1);
      equal(acks.at(-1)?.seq, index + 1);
    }
    for (const frames of [adaFrames, bobFrames]) {
      const seen = await frames.until("message", 4);
      deepEqual(seen.map((message) => message.seq), [1, 2, 3, 4]);
      deepEqual(seen.map((message) => message.user.name), ["ada", "bob", "ada", "bob"]);
    }
    bobClient.send({ type: "history", room: "general", limit: 10 });
    const history = await bobClient.nextOf("history");
    deepEqual(history.messages.map((message) => message.seq), [1, 2, 3, 4]);
    equal(history.more, false);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("after a SIGKILL restart on the same KV file, a rejoin replays exactly the missed 100", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_ws_" });
  const kvPath = `${dir}/kv`;
  let server = await spawnRoomServer({ kvPath, env: FAST_RATE });
  try {
    const reader = await joinAs(server.wsUrl, ada);
    const held = reader.joined.head;
    reader.client.socket.close();
    await reader.client.closed;

    const { client: writer } = await joinAs(server.wsUrl, bob);
    for (let index = 1; index <= 100; index++) {
      writer.send({ type: "send", room: "general", text: `missed ${index}`, cid: `m${index}` });
    }
    const acks = await framesOf(writer).until("ack", 100);
    deepEqual(acks.map((ack) => ack.seq).sort((x, y) => x - y), range(held + 1, held + 100));

    server.kill();
    await server.exited;
    await writer.closed;
    server = await spawnRoomServer({ kvPath, env: FAST_RATE });

    const back = await joinAs(server.wsUrl, ada, held);
    await using _back = back.client;
    equal(back.joined.recovered, true);
    equal(back.joined.head, held + 100);
    deepEqual(back.joined.messages.map((message) => message.seq), range(held + 1, held + 100));
    deepEqual(
      back.joined.messages.map((message) => message.text).sort(),
      range(1, 100).map((index) => `missed ${index}`).sort(),
    );
  } finally {
    server.kill();
    await server.exited;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a burst of sends on one socket is committed in fewer operations, acked in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_ws_" });
  const kv = await Deno.openKv(`${dir}/kv`);
  let commits = 0;
  const atomic = kv.atomic.bind(kv);
  kv.atomic = () => {
    const operation = atomic();
    const commit = operation.commit.bind(operation);
    operation.commit = () => {
      commits++;
      return commit();
    };
    return operation;
  };
  const server = await startTestServer({
    kv,
    env: { ...FAST_RATE, JWT_SECRETS: ROOM_TEST_SECRET },
  });
  try {
    const { client } = await joinAs(server.wsUrl, ada);
    await using _ada = client;
    commits = 0;
    const burst = 20;
    for (let index = 1; index <= burst; index++) {
      client.send({ type: "send", room: "general", text: `burst ${index}`, cid: `b${index}` });
    }
    // A frame that is not a send waits until every send before it was committed.
    client.send({ type: "history", room: "general", limit: burst });
    const frames = framesOf(client);
    const acks = await frames.until("ack", burst);
    deepEqual(acks.map((ack) => ack.cid), range(1, burst).map((index) => `b${index}`));
    deepEqual(acks.map((ack) => ack.seq), range(1, burst));
    const [history] = await frames.until("history", 1);
    equal(history.messages.length, burst);
    ok(commits < burst / 2, `${burst} sends took ${commits} commits`);
  } finally {
    await server.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

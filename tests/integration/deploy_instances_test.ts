/**
 * The Deno Deploy topology in miniature: two app instances that share one KV
 * database and nothing else. Their bus namespaces differ, so no
 * BroadcastChannel joins them and the KV watch on room heads is their only
 * link, as between Deploy instances (which are isolated from each other).
 * Two processes cannot show this locally: KV watches do not cross processes.
 */
import { deepEqual, notEqual } from "node:assert/strict";
import { createSwitchboard, type Switchboard } from "../../server.ts";
import type { Message } from "../../lib/protocol/mod.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { TEST_SECRET } from "../_helpers/server.ts";

const FROM_B = 30;
const FROM_A = 10;
const DEADLINE_MS = 10_000;

interface Instance {
  switchboard: Switchboard;
  server: Deno.HttpServer<Deno.NetAddr>;
  wsUrl: string;
}

async function startInstance(kv: Deno.Kv, kvPath: string, busNamespace: string) {
  const switchboard = await createSwitchboard({
    env: {
      KV_PATH: kvPath,
      // One process stands in for two Deploy instances: only the KV may connect them.
      CLUSTER: "kv",
      JWT_SECRETS: TEST_SECRET,
      LOG_LEVEL: "error",
      RATE_BURST: "100",
    },
    kv,
    busNamespace,
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    switchboard.handler,
  );
  return { switchboard, server, wsUrl: `ws://127.0.0.1:${server.addr.port}/api/ws` };
}

/** Resolves with `promise`, or rejects after `ms` so a lost message fails instead of hanging. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function collect(socket: TestSocket, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  while (messages.length < count) messages.push(await socket.nextOf("message"));
  return messages;
}

Deno.test("instances sharing only a KV database deliver each other's messages once, in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-instances-" });
  const kvPath = `${dir}/switchboard.kv`;
  const kv = await Deno.openKv(kvPath);
  const instances: Instance[] = [];
  const sockets: TestSocket[] = [];
  try {
    const a = await startInstance(kv, kvPath, `instance-a-${crypto.randomUUID()}`);
    instances.push(a);
    const b = await startInstance(kv, kvPath, `instance-b-${crypto.randomUUID()}`);
    instances.push(b);
    const sign = (id: string, name: string) =>
      a.switchboard.services.tokens.sign({ id, name, role: "user" });
    const ada = await openSocket(a.wsUrl, { token: (await sign("u-ada", "ada")).token });
    const bob = await openSocket(b.wsUrl, { token: (await sign("u-bob", "bob")).token });
    sockets.push(ada, bob);
    const [adaHello, bobHello] = [await ada.nextOf("hello"), await bob.nextOf("hello")];
    notEqual(adaHello.instance, bobHello.instance);
    for (const socket of [ada, bob]) {
      socket.send({ type: "join", room: "general" });
      await socket.nextOf("joined");
    }

    // Both send at once, so commits from the two instances interleave in the one log.
    for (let index = 0; index < Math.max(FROM_A, FROM_B); index++) {
      if (index < FROM_B) {
        bob.send({ type: "send", room: "general", text: `b${index}`, cid: `b${index}` });
      }
      if (index < FROM_A) {
        ada.send({ type: "send", room: "general", text: `a${index}`, cid: `a${index}` });
      }
    }
    const total = FROM_A + FROM_B;
    const [onA, onB] = await within(
      DEADLINE_MS,
      `${total} messages on each instance`,
      Promise.all([collect(ada, total), collect(bob, total)]),
    );

    const everySeq = Array.from({ length: total }, (_, index) => index + 1);
    deepEqual(onA.map((message) => message.seq), everySeq);
    deepEqual(onB.map((message) => message.seq), everySeq);
    deepEqual(onA.map((message) => message.text), onB.map((message) => message.text));
    const bobsOnA = onA.filter((message) => message.user.name === "bob").map((m) => m.text);
    deepEqual(bobsOnA, Array.from({ length: FROM_B }, (_, index) => `b${index}`));
  } finally {
    await Promise.all(sockets.map((socket) => socket[Symbol.asyncDispose]()));
    for (const { switchboard, server } of instances) {
      await switchboard.close();
      await server.shutdown();
    }
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

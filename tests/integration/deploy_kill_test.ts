/**
 * The delivery guarantee across instances that share only a KV database
 * (`_topology.ts`), when one of them is killed mid-traffic: publishers and
 * subscribers on all three instances; the one on the killed instance
 * reconnect to a survivor, subscribers resume with `since`, publishers resend
 * what was not acked with the same `cid`. Afterwards every acked message is in
 * the log once, and every subscriber received every message once, in seq
 * order: 0 lost, 0 duplicated, 0 reordered.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Message, ServerFrame } from "../../lib/protocol/mod.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../lib/protocol/version.ts";
import { CROSSING_DEADLINE_MS, startTopology, within } from "./_topology.ts";

const ROOM = "general";
const PER_PUBLISHER = 60;
/** The killed instance's publisher has this many acked before the kill. */
const KILL_AFTER_ACKS = 20;

/** A client that keeps one socket open at a time, to whichever URL it is told. */
function client(token: string, onFrame: (frame: ServerFrame) => void) {
  let socket: WebSocket | null = null;
  return {
    /** Opens a socket to `url`, resolves at its `hello`; `onClose` hears its end. */
    open(url: string, onClose: () => void): Promise<void> {
      const hello = Promise.withResolvers<void>();
      const opened = new WebSocket(url, [PROTOCOL, BEARER_PROTOCOL_PREFIX + token]);
      socket = opened;
      opened.onmessage = (event) => {
        const frame = JSON.parse(event.data) as ServerFrame;
        if (frame.type === "hello") hello.resolve();
        onFrame(frame);
      };
      opened.onclose = () => {
        hello.reject(new Error(`${url} closed before hello`));
        if (socket === opened) onClose();
      };
      return hello.promise;
    },
    send(frame: unknown) {
      socket?.send(JSON.stringify(frame));
    },
    close() {
      const closing = socket;
      socket = null;
      closing?.close();
    },
  };
}

/** Resolves when `condition` holds, checked after each call of the returned `check`. */
function condition(holds: () => boolean) {
  const { promise, resolve } = Promise.withResolvers<void>();
  const check = () => {
    if (holds()) resolve();
  };
  return { reached: promise, check };
}

Deno.test("kill one of three instances mid-traffic: 0 lost, 0 duplicated, 0 reordered", async () => {
  await using topology = await startTopology(3, { CLUSTER: "kv" });
  const [a, b, c] = topology.instances;
  const total = 3 * PER_PUBLISHER;

  /** A subscriber: every seq it received, in order; it resumes with `since` after a close. */
  const subscriber = async (name: string, first: string, fallback: string) => {
    const received: number[] = [];
    const done = condition(() => received.length >= total);
    const peer = client(await topology.token(name), (frame) => {
      if (frame.type === "joined") received.push(...frame.messages.map((m: Message) => m.seq));
      if (frame.type === "message") received.push(frame.seq);
      done.check();
    });
    const join = () => peer.send({ type: "join", room: ROOM, since: received.at(-1) });
    const moves: string[] = [];
    const reconnect = () => {
      moves.push(fallback);
      peer.open(fallback, reconnect).then(join);
    };
    await peer.open(first, reconnect);
    join();
    return { received, moves, done: done.reached, close: peer.close };
  };

  /** A publisher: sends its messages in order, and after a close resends what was not acked. */
  const publisher = async (name: string, first: string, fallback: string) => {
    const acked = new Map<string, number>();
    const unacked = new Map<string, string>();
    const done = condition(() => acked.size === PER_PUBLISHER);
    const someAcked = condition(() => acked.size >= KILL_AFTER_ACKS);
    const peer = client(await topology.token(name), (frame) => {
      if (frame.type !== "ack") return;
      acked.set(frame.cid, frame.seq);
      unacked.delete(frame.cid);
      done.check();
      someAcked.check();
    });
    const send = (cid: string, text: string) => peer.send({ type: "send", room: ROOM, text, cid });
    let reconnecting: Promise<void> | null = null;
    const moves: string[] = [];
    const reconnect = () => {
      moves.push(fallback);
      reconnecting = (async () => {
        await peer.open(fallback, reconnect);
        peer.send({ type: "join", room: ROOM });
        // The same cids, in the order first sent: the log makes each a message once.
        for (const [cid, text] of unacked) send(cid, text);
      })();
    };
    await peer.open(first, reconnect);
    peer.send({ type: "join", room: ROOM });
    const run = (async () => {
      for (let index = 0; index < PER_PUBLISHER; index++) {
        const cid = `${name}-${index}`;
        const text = `${name} ${index}`;
        unacked.set(cid, text);
        await reconnecting;
        send(cid, text);
        // Paced, so the kill lands mid-traffic rather than after a burst.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    return {
      acked,
      moves,
      done: done.reached,
      someAcked: someAcked.reached,
      run,
      close: peer.close,
    };
  };

  const subscribers = [
    await subscriber("sub-a", a.wsUrl, b.wsUrl),
    await subscriber("sub-c", c.wsUrl, b.wsUrl),
    await subscriber("sub-b", b.wsUrl, a.wsUrl),
  ];
  const publishers = [
    await publisher("pub-c", c.wsUrl, a.wsUrl),
    await publisher("pub-a", a.wsUrl, b.wsUrl),
    await publisher("pub-b", b.wsUrl, a.wsUrl),
  ];
  try {
    await within(CROSSING_DEADLINE_MS, "acks before the kill", publishers[0].someAcked);
    const ackedBeforeKill = publishers[0].acked.size;
    await c.kill();
    await within(
      3 * CROSSING_DEADLINE_MS,
      "every ack and every delivery",
      Promise.all([
        ...publishers.map((p) => p.done),
        ...publishers.map((p) => p.run),
        ...subscribers.map((s) => s.done),
      ]),
    );

    // The log: every message once, seqs 1..total, each acked cid where its ack said.
    const log = await a.services.cluster.log.history(ROOM, { after: 0, limit: total + 10 });
    const everySeq = Array.from({ length: total }, (_, index) => index + 1);
    deepEqual(log.messages.map((message) => message.seq), everySeq);
    const byCid = new Map(log.messages.map((message) => [message.cid, message.seq]));
    equal(byCid.size, total, "no cid made two messages");
    for (const { acked } of publishers) {
      for (const [cid, seq] of acked) equal(byCid.get(cid), seq, `${cid} is where its ack said`);
      // Each publisher's messages are in the log in the order it sent them.
      const seqs = [...acked.entries()]
        .sort(([x], [y]) => Number(x.split("-").at(-1)) - Number(y.split("-").at(-1)))
        .map(([, seq]) => seq);
      deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    }
    // Every subscriber, the one that moved included: each seq once, in order.
    for (const { received } of subscribers) deepEqual(received, everySeq);
    // The kill came mid-traffic, and only the killed instance's clients moved.
    ok(ackedBeforeKill < PER_PUBLISHER, `${ackedBeforeKill} acked before the kill`);
    deepEqual(
      [...subscribers, ...publishers].map(({ moves }) => moves.length),
      [0, 1, 0, 1, 0, 0],
    );
  } finally {
    for (const peer of [...subscribers, ...publishers]) peer.close();
  }
});

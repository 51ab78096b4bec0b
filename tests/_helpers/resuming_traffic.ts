/**
 * Clients that keep one room busy across failures, as the browser client
 * does: subscribers resume with `since` after their socket dies, publishers
 * resend what was not acked with the same `cid` (after a reconnect, and after
 * a send the server refused because the store did not answer), then a check
 * that every acked message is in the log once and every subscriber received
 * every message once, in seq order: 0 lost, 0 duplicated, 0 reordered.
 *
 * @example
 * ```ts
 * const traffic = createTraffic({ room: "general", perPublisher: 60, token: (name) => tokenFor(name) });
 * const sub = await traffic.subscriber("sub-a", a.wsUrl, b.wsUrl, total);
 * const pub = await traffic.publisher("pub-a", a.wsUrl, b.wsUrl);
 * await Promise.all([pub.done, pub.run, sub.done]);
 * checkDelivery(await log.history(room, { after: 0, limit: total + 10 }), [pub], [sub], { total, inSendOrder: true });
 * ```
 */
import { deepEqual, equal } from "node:assert/strict";
import type { HistoryPage } from "../../lib/server/store/mod.ts";
import type { Message, ServerFrame } from "../../lib/protocol/mod.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../lib/protocol/version.ts";

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

/** What the traffic runs with. */
export interface TrafficOptions {
  room: string;
  /** Messages each publisher sends. */
  perPublisher: number;
  /** An access token for `name`. */
  token(name: string): Promise<string>;
  /** The pause between two sends of a publisher, so a fault lands mid-traffic. Default 5 ms. */
  paceMs?: number;
  /** How long a publisher waits before resending a send the server refused. Default 200 ms. */
  retryMs?: number;
}

/** A subscriber of the room. */
export interface TrafficSubscriber {
  /** Every seq received, in the order received. */
  received: number[];
  /** The URLs it moved to after its socket died. */
  moves: string[];
  /** Resolves once it received `total` messages. */
  done: Promise<void>;
  close(): void;
}

/** A publisher into the room. */
export interface TrafficPublisher {
  /** cid → the seq its ack said. */
  acked: Map<string, number>;
  /** Sends the server refused (each resent later with its cid). */
  refused: number;
  moves: string[];
  /** Resolves once every message is acked. */
  done: Promise<void>;
  /** Resolves once `count` messages are acked. */
  acks(count: number): Promise<void>;
  /** Resolves once `count` sends were refused. */
  refusals(count: number): Promise<void>;
  /** Resolves once every message was sent at least once. */
  run: Promise<void>;
  close(): void;
}

/** Creates the traffic's subscribers and publishers. */
export function createTraffic(options: TrafficOptions) {
  const { room, perPublisher, token } = options;
  const paceMs = options.paceMs ?? 5;
  const retryMs = options.retryMs ?? 200;

  const subscriber = async (
    name: string,
    first: string,
    fallback: string,
    total: number,
  ): Promise<TrafficSubscriber> => {
    const received: number[] = [];
    const done = condition(() => received.length >= total);
    const peer = client(await token(name), (frame) => {
      if (frame.type === "joined") received.push(...frame.messages.map((m: Message) => m.seq));
      if (frame.type === "message") received.push(frame.seq);
      done.check();
    });
    const join = () => peer.send({ type: "join", room, since: received.at(-1) });
    const moves: string[] = [];
    const reconnect = () => {
      moves.push(fallback);
      peer.open(fallback, reconnect).then(join);
    };
    await peer.open(first, reconnect);
    join();
    return { received, moves, done: done.reached, close: peer.close };
  };

  const publisher = async (
    name: string,
    first: string,
    fallback: string,
  ): Promise<TrafficPublisher> => {
    const acked = new Map<string, number>();
    const unacked = new Map<string, string>();
    const waiters: ReturnType<typeof condition>[] = [];
    const done = condition(() => acked.size === perPublisher);
    const state = { refused: 0 };
    const waitFor = (holds: () => boolean) => {
      const waiter = condition(holds);
      waiters.push(waiter);
      waiter.check();
      return waiter.reached;
    };
    const send = (cid: string, text: string) =>
      peer.send({ type: "send", room, text, cid, ref: cid });
    const peer = client(await token(name), (frame) => {
      if (frame.type === "ack") {
        acked.set(frame.cid, frame.seq);
        unacked.delete(frame.cid);
        done.check();
        waiters.forEach((waiter) => waiter.check());
      }
      if (frame.type === "error" && frame.ref && unacked.has(frame.ref)) {
        // Not stored: the client's outbox keeps it and sends it again, with the same cid.
        state.refused++;
        waiters.forEach((waiter) => waiter.check());
        const cid = frame.ref;
        setTimeout(() => unacked.has(cid) && send(cid, unacked.get(cid)!), retryMs);
      }
    });
    let reconnecting: Promise<void> | null = null;
    const moves: string[] = [];
    const reconnect = () => {
      moves.push(fallback);
      reconnecting = (async () => {
        await peer.open(fallback, reconnect);
        peer.send({ type: "join", room });
        // The same cids, in the order first sent: the log makes each a message once.
        for (const [cid, text] of unacked) send(cid, text);
      })();
    };
    await peer.open(first, reconnect);
    peer.send({ type: "join", room });
    const run = (async () => {
      for (let index = 0; index < perPublisher; index++) {
        const cid = `${name}-${index}`;
        const text = `${name} ${index}`;
        unacked.set(cid, text);
        await reconnecting;
        send(cid, text);
        await new Promise((resolve) => setTimeout(resolve, paceMs));
      }
    })();
    return {
      acked,
      get refused() {
        return state.refused;
      },
      moves,
      done: done.reached,
      acks: (count) => waitFor(() => acked.size >= count),
      refusals: (count) => waitFor(() => state.refused >= count),
      run,
      close: peer.close,
    };
  };

  return { subscriber, publisher };
}

/**
 * Asserts 0 lost, 0 duplicated, 0 reordered: the log holds seqs 1..`total`,
 * each acked cid where its ack said, and every subscriber received each seq
 * once, in order. With `inSendOrder`, each publisher's messages are also in
 * the log in the order it sent them (not so when sends were refused and
 * resent: a later one may have been stored first).
 */
export function checkDelivery(
  log: HistoryPage,
  publishers: TrafficPublisher[],
  subscribers: TrafficSubscriber[],
  { total, inSendOrder }: { total: number; inSendOrder: boolean },
) {
  const everySeq = Array.from({ length: total }, (_, index) => index + 1);
  deepEqual(log.messages.map((message) => message.seq), everySeq);
  const byCid = new Map(log.messages.map((message) => [message.cid, message.seq]));
  equal(byCid.size, total, "no cid made two messages");
  for (const { acked } of publishers) {
    for (const [cid, seq] of acked) equal(byCid.get(cid), seq, `${cid} is where its ack said`);
    if (!inSendOrder) continue;
    const seqs = [...acked.entries()]
      .sort(([x], [y]) => Number(x.split("-").at(-1)) - Number(y.split("-").at(-1)))
      .map(([, seq]) => seq);
    deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  }
  for (const { received } of subscribers) deepEqual(received, everySeq);
}

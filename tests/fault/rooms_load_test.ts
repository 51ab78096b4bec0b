/**
 * Zero loss under load and a crash: 50 clients in 5 rooms send for 10 s while
 * the server is killed with SIGKILL and restarted once on the same KV file.
 * Clients do what the real client does: reconnect, rejoin with `since`, and
 * resend unacked messages with the same `cid`. Afterwards every acked message
 * must be in every member's view exactly once, in seq order.
 */
import { deepEqual } from "node:assert/strict";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../lib/protocol/version.ts";
import type { ServerFrame, SessionUser } from "../../lib/protocol/mod.ts";
import { type RoomProcess, roomTestToken, spawnRoomServer } from "./_room_process.ts";

const CLIENTS = 50;
const ROOMS = 5;
const SEND_FOR_MS = 10_000;
const SEND_EVERY_MS = 200;
const KILL_AFTER_MS = 5_000;
const SETTLE_DEADLINE_MS = 20_000;
const RESEND_AFTER_MS = 1_000;
const ENV = {
  RATE_BURST: "100",
  RATE_PER_SECOND: "100",
  MAX_CONNECTIONS_PER_ADDRESS: "1000",
};

interface LoadClient {
  user: SessionUser;
  token: string;
  room: string;
  socket?: WebSocket;
  joined: boolean;
  /** Every seq received in the room, in arrival order (joined replays included). */
  view: number[];
  lastSeq: number;
  /** cid → text and when it was last sent, until acked. */
  unacked: Map<string, { text: string; sentAt: number }>;
  /** cid → seq of every ack. */
  acked: Map<string, number>;
  sent: number;
  /** How many times the client joined: twice or more means it lived through the restart. */
  joins: number;
  reconnectTimer?: ReturnType<typeof setTimeout>;
}

function roomOf(index: number) {
  return `load-${index % ROOMS}`;
}

function send(client: LoadClient, cid: string, text: string) {
  client.unacked.set(cid, { text, sentAt: Date.now() });
  if (client.joined) {
    client.socket?.send(JSON.stringify({ type: "send", room: client.room, text, cid }));
  }
}

function handle(client: LoadClient, frame: ServerFrame) {
  switch (frame.type) {
    case "hello":
      client.socket?.send(
        JSON.stringify({ type: "join", room: client.room, since: client.lastSeq }),
      );
      break;
    case "joined":
      for (const message of frame.messages) record(client, message.seq);
      client.joined = true;
      client.joins++;
      for (const [cid, { text }] of client.unacked) send(client, cid, text);
      break;
    case "message":
      record(client, frame.seq);
      break;
    case "ack":
      client.acked.set(frame.cid, frame.seq);
      client.unacked.delete(frame.cid);
      break;
    case "ping":
      client.socket?.send(JSON.stringify({ type: "pong", t: frame.t }));
      break;
  }
}

function record(client: LoadClient, seq: number) {
  client.view.push(seq);
  client.lastSeq = Math.max(client.lastSeq, seq);
}

/** Connects, and reconnects to wherever the server is whenever the socket closes. */
function connect(client: LoadClient, server: () => RoomProcess, running: () => boolean) {
  const socket = new WebSocket(server().wsUrl, [PROTOCOL, BEARER_PROTOCOL_PREFIX + client.token]);
  client.socket = socket;
  client.joined = false;
  socket.onmessage = (event) => handle(client, JSON.parse(event.data));
  socket.onclose = () => {
    client.joined = false;
    if (running()) {
      client.reconnectTimer = setTimeout(() => running() && connect(client, server, running), 100);
    }
  };
  socket.onerror = () => {};
}

function measure(clients: LoadClient[]) {
  const ackedByRoom = new Map<string, Set<number>>();
  for (const client of clients) {
    const seqs = ackedByRoom.get(client.room) ?? new Set();
    for (const seq of client.acked.values()) seqs.add(seq);
    ackedByRoom.set(client.room, seqs);
  }
  let lost = 0, duplicated = 0, outOfOrder = 0;
  for (const client of clients) {
    const seen = new Set(client.view);
    duplicated += client.view.length - seen.size;
    outOfOrder += client.view.filter((seq, index) => index > 0 && seq <= client.view[index - 1])
      .length;
    for (const seq of ackedByRoom.get(client.room)!) if (!seen.has(seq)) lost++;
  }
  const acked = [...ackedByRoom.values()].reduce((sum, seqs) => sum + seqs.size, 0);
  return { acked, lost, duplicated, outOfOrder };
}

Deno.test("under load and a SIGKILL restart, every acked message reaches every member once, in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_fault_" });
  const kvPath = `${dir}/kv`;
  let server = await spawnRoomServer({ kvPath, env: ENV });
  let running = true;
  const clients: LoadClient[] = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, index) => {
      const user: SessionUser = { id: `load-${index}`, name: `load${index}`, role: "user" };
      return {
        user,
        token: await roomTestToken(user),
        room: roomOf(index),
        joined: false,
        view: [],
        lastSeq: 0,
        unacked: new Map(),
        acked: new Map(),
        sent: 0,
        joins: 0,
      };
    }),
  );
  const timers: ReturnType<typeof setTimeout>[] = [];
  try {
    for (const client of clients) connect(client, () => server, () => running);

    const started = Date.now();
    const sending = Promise.withResolvers<void>();
    timers.push(setInterval(() => {
      const now = Date.now();
      if (now - started >= SEND_FOR_MS) return sending.resolve();
      for (const client of clients) {
        client.sent++;
        send(client, `${client.user.id}-${client.sent}`, `${client.user.name} #${client.sent}`);
        for (const [cid, { text, sentAt }] of client.unacked) {
          if (now - sentAt > RESEND_AFTER_MS) send(client, cid, text);
        }
      }
    }, SEND_EVERY_MS));

    const killed = Promise.withResolvers<void>();
    timers.push(setTimeout(async () => {
      server.kill();
      await server.exited;
      server = await spawnRoomServer({ kvPath, env: ENV });
      killed.resolve();
    }, KILL_AFTER_MS));
    await Promise.all([sending.promise, killed.promise]);
    clearInterval(timers[0]);

    // Let resends land and fan-out catch up, checking on every tick until it has.
    const settled = Promise.withResolvers<void>();
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    timers.push(setInterval(() => {
      const now = Date.now();
      for (const client of clients) {
        for (const [cid, { text, sentAt }] of client.unacked) {
          if (now - sentAt > RESEND_AFTER_MS) send(client, cid, text);
        }
      }
      const { lost } = measure(clients);
      const pending = clients.reduce((sum, client) => sum + client.unacked.size, 0);
      if ((lost === 0 && pending === 0) || now > deadline) settled.resolve();
    }, SEND_EVERY_MS));
    await settled.promise;

    const result = measure(clients);
    const unacked = clients.reduce((sum, client) => sum + client.unacked.size, 0);
    const rejoined = clients.filter((client) => client.joins >= 2).length;
    console.log(JSON.stringify({ ...result, unacked, rejoined }));
    deepEqual({ lost: result.lost, duplicated: result.duplicated, outOfOrder: result.outOfOrder }, {
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
    deepEqual({ unacked, rejoined }, { unacked: 0, rejoined: CLIENTS });
  } finally {
    running = false;
    timers.forEach((timer) => clearTimeout(timer));
    clients.forEach((client) => clearTimeout(client.reconnectTimer));
    await Promise.all(clients.map((client) => {
      const socket = client.socket;
      if (!socket || socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise((resolve) => socket.addEventListener("close", resolve));
      socket.close();
      return closed;
    }));
    server.kill();
    await server.exited;
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A rolling restart on one machine loses nothing. Under a steady chat load
 * (clients in rooms, each sending every 200 ms) a second process starts on
 * the same port (`serve.ts` with `REUSE_PORT=1`: SO_REUSEPORT) and the same
 * KV file, newcomers connect to whichever process the kernel picks, then the
 * old process gets SIGTERM and drains: `reconnect`, close 1012, exit. Clients
 * do what the real client does: reconnect after `reconnect.after_ms`, rejoin
 * with `since`, and resend unacked messages with the same `cid`.
 *
 * Counted afterwards, from every frame each client received: acked messages
 * missing from a member's view (lost), seqs seen twice (duplicated) and seqs
 * that arrived after a higher one (reordered), all zero. While both processes
 * run they commit to the one SQLite file at once, so every room's acked seqs
 * must also be exactly 1..n, each for one `cid`.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../lib/protocol/version.ts";
import type { ServerFrame, SessionUser } from "../../lib/protocol/mod.ts";
import { roomTestToken } from "./_room_process.ts";
import { ROOM_TEST_SECRET } from "./_room_server.ts";
import { errorLines, type ServerProcess, spawnServer } from "../integration/deploy_process.ts";

const CLIENTS = 30;
const ROOMS = 3;
const NEWCOMERS_ON_NEW = 3;
const MAX_NEWCOMERS = 30;
const SEND_FOR_MS = 8_000;
const SEND_EVERY_MS = 200;
const RESTART_AFTER_MS = 2_500;
const RESEND_AFTER_MS = 1_000;
const SETTLE_DEADLINE_MS = 15_000;
const DRAIN_WINDOW_MS = 5_000;
const SERVE = new URL("../../serve.ts", import.meta.url).pathname;

interface LoadClient {
  user: SessionUser;
  token: string;
  room: string;
  socket?: WebSocket;
  joined: boolean;
  /** Every seq received in the room, in arrival order (joined replays included). */
  view: number[];
  lastSeq: number;
  unacked: Map<string, { text: string; sentAt: number }>;
  /** cid → seq of every ack. */
  acked: Map<string, number>;
  sent: number;
  /** The `instance` of the last `hello`. */
  instance?: string;
  hello: PromiseWithResolvers<string>;
  /** Set by a `reconnect` frame: how long to wait before reconnecting. */
  reconnectAfterMs?: number;
  reconnectTimer?: ReturnType<typeof setTimeout>;
}

function startProcess(port: number, kvPath: string): Promise<ServerProcess> {
  return spawnServer(Deno.execPath(), ["run", "-A", "--unstable-net", SERVE], {
    env: {
      HOST: "127.0.0.1",
      PORT: String(port),
      REUSE_PORT: "1",
      KV_PATH: kvPath,
      JWT_SECRETS: ROOM_TEST_SECRET,
      LOG_LEVEL: "warn",
      RATE_BURST: "100",
      RATE_PER_SECOND: "100",
      MAX_CONNECTIONS_PER_ADDRESS: "1000",
    },
  });
}

async function createClient(index: number): Promise<LoadClient> {
  const user: SessionUser = { id: `roll-${index}`, name: `roll${index}`, role: "user" };
  return {
    user,
    token: await roomTestToken(user),
    room: `rolling-${index % ROOMS}`,
    joined: false,
    view: [],
    lastSeq: 0,
    unacked: new Map(),
    acked: new Map(),
    sent: 0,
    hello: Promise.withResolvers(),
  };
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
      client.instance = frame.instance;
      client.hello.resolve(frame.instance);
      client.socket?.send(
        JSON.stringify({ type: "join", room: client.room, since: client.lastSeq }),
      );
      break;
    case "joined":
      for (const message of frame.messages) record(client, message.seq);
      client.joined = true;
      for (const [cid, { text }] of client.unacked) send(client, cid, text);
      break;
    case "message":
      record(client, frame.seq);
      break;
    case "ack":
      client.acked.set(frame.cid, frame.seq);
      client.unacked.delete(frame.cid);
      break;
    case "reconnect":
      client.reconnectAfterMs = frame.after_ms;
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

/** Connects, and whenever the socket closes connects again: after `reconnect.after_ms`, else soon. */
function connect(client: LoadClient, url: string, running: () => boolean) {
  const socket = new WebSocket(url, [PROTOCOL, BEARER_PROTOCOL_PREFIX + client.token]);
  client.socket = socket;
  client.joined = false;
  socket.onmessage = (event) => handle(client, JSON.parse(event.data));
  socket.onclose = () => {
    client.joined = false;
    const waitMs = client.reconnectAfterMs ?? 100;
    client.reconnectAfterMs = undefined;
    if (running()) {
      client.reconnectTimer = setTimeout(() => running() && connect(client, url, running), waitMs);
    }
  };
  // A draining server refuses upgrades with 503; the close that follows retries.
  socket.onerror = () => {};
}

function measure(clients: LoadClient[]) {
  const cidsByRoom = new Map<string, Map<number, Set<string>>>();
  for (const client of clients) {
    const seqs = cidsByRoom.get(client.room) ?? new Map<number, Set<string>>();
    for (const [cid, seq] of client.acked) seqs.set(seq, (seqs.get(seq) ?? new Set()).add(cid));
    cidsByRoom.set(client.room, seqs);
  }
  let lost = 0, duplicated = 0, reordered = 0;
  for (const client of clients) {
    const seen = new Set(client.view);
    duplicated += client.view.length - seen.size;
    reordered += client.view.filter((seq, index) => index > 0 && seq <= client.view[index - 1])
      .length;
    for (const seq of cidsByRoom.get(client.room)!.keys()) if (!seen.has(seq)) lost++;
  }
  const acked = [...cidsByRoom.values()].reduce((sum, seqs) => sum + seqs.size, 0);
  return { acked, lost, duplicated, reordered, cidsByRoom };
}

Deno.test("a rolling restart under load loses, duplicates and reorders nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-rolling-" });
  const kvPath = `${dir}/switchboard.kv`;
  const processes: ServerProcess[] = [];
  const clients: LoadClient[] = [];
  const timers: ReturnType<typeof setTimeout>[] = [];
  let running = true;
  try {
    const old = await startProcess(0, kvPath);
    processes.push(old);
    const url = old.wsUrl;
    clients.push(...await Promise.all(Array.from({ length: CLIENTS }, (_, i) => createClient(i))));
    for (const client of clients) connect(client, url, () => running);
    const oldInstance = await clients[0].hello.promise;
    await Promise.all(clients.map((client) => client.hello.promise));

    const started = Date.now();
    const sending = Promise.withResolvers<void>();
    const tick = () => {
      const now = Date.now();
      for (const client of clients) {
        for (const [cid, { text, sentAt }] of client.unacked) {
          if (now - sentAt > RESEND_AFTER_MS) send(client, cid, text);
        }
      }
      return now;
    };
    timers.push(setInterval(() => {
      if (tick() - started >= SEND_FOR_MS) return sending.resolve();
      for (const client of clients) {
        client.sent++;
        send(client, `${client.user.id}-${client.sent}`, `${client.user.name} #${client.sent}`);
      }
    }, SEND_EVERY_MS));

    // The restart: the new process listens beside the old one, newcomers reach both, the old drains.
    await new Promise((resolve) => timers.push(setTimeout(resolve, RESTART_AFTER_MS)));
    const fresh = await startProcess(old.port, kvPath);
    processes.push(fresh);
    let newcomersOnNew = 0;
    while (newcomersOnNew < NEWCOMERS_ON_NEW && clients.length < CLIENTS + MAX_NEWCOMERS) {
      const newcomer = await createClient(clients.length);
      clients.push(newcomer);
      connect(newcomer, url, () => running);
      if (await newcomer.hello.promise !== oldInstance) newcomersOnNew++;
    }
    const signalled = performance.now();
    old.kill("SIGTERM");
    const oldStatus = await old.exited;
    const drainMs = Math.round(performance.now() - signalled);
    await sending.promise;
    clearInterval(timers[0]);

    const settled = Promise.withResolvers<void>();
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    timers.push(setInterval(() => {
      const now = tick();
      const pending = clients.reduce((sum, client) => sum + client.unacked.size, 0);
      if ((measure(clients).lost === 0 && pending === 0) || now > deadline) settled.resolve();
    }, SEND_EVERY_MS));
    await settled.promise;

    const { acked, lost, duplicated, reordered, cidsByRoom } = measure(clients);
    const unacked = clients.reduce((sum, client) => sum + client.unacked.size, 0);
    const onNew = clients.filter((client) => client.instance !== oldInstance).length;
    console.log(JSON.stringify({
      acked,
      lost,
      duplicated,
      reordered,
      unacked,
      clients: clients.length,
      newcomersOnNew,
      onNewAfterRestart: onNew,
      drainMs,
    }));
    deepEqual({ lost, duplicated, reordered, unacked }, {
      lost: 0,
      duplicated: 0,
      reordered: 0,
      unacked: 0,
    });
    equal(newcomersOnNew, NEWCOMERS_ON_NEW, "newcomers must reach the new process");
    equal(onNew, clients.length, "every client must end on the new process");
    for (const [room, seqs] of cidsByRoom) {
      deepEqual(
        [...seqs.keys()].sort((a, b) => a - b),
        [...seqs.keys()].map((_, i) => i + 1),
        room,
      );
      ok([...seqs.values()].every((cids) => cids.size === 1), `${room}: one cid per seq`);
    }
    equal(oldStatus.code, 0, old.output());
    ok(drainMs < DRAIN_WINDOW_MS, `the old process took ${drainMs} ms to drain`);
    deepEqual(errorLines(old.output() + fresh.output()), []);
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
    await Promise.all(processes.map((process) => process[Symbol.asyncDispose]()));
    await Deno.remove(dir, { recursive: true });
  }
});

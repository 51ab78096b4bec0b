/**
 * The chat client the fault tests put under load. It does what the real
 * client does: on `hello` it joins with `since`, on `joined` it resends every
 * unacked message with the same `cid`, it answers `ping`, and whenever its
 * socket closes it connects again (after `reconnect.after_ms` when the server
 * sent one). Every seq it receives goes into `view`, so a test can count what
 * was lost, duplicated or reordered with {@linkcode countDelivery}.
 *
 * @example
 * ```ts
 * const client = await createLoadClient({ id: "u1", name: "ada", role: "user" }, "room-1");
 * connectLoadClient(client, { url: () => server.wsUrl, running: () => running });
 * await client.hello.promise;
 * sendNext(client);
 * resendOverdue(client, Date.now(), 1_000);
 * const { lost, duplicated, reordered } = countDelivery([client]);
 * await closeLoadClients([client]);
 * ```
 */
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../lib/protocol/version.ts";
import type { ServerFrame, SessionUser } from "../../lib/protocol/mod.ts";
import { roomTestToken } from "./_room_process.ts";

/** How long a client waits before reconnecting when the server named no time. */
const RECONNECT_AFTER_MS = 100;

/** One chat member in one room, and everything it has seen and sent. */
export interface LoadClient {
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
  /** How many times the client joined: twice or more means it lived through a restart. */
  joins: number;
  /** The `instance` of the last `hello`. */
  instance?: string;
  /** Resolves with the `instance` of the first `hello`. */
  hello: PromiseWithResolvers<string>;
  /** Set by a `reconnect` frame: how long to wait before reconnecting. */
  reconnectAfterMs?: number;
  reconnectTimer?: ReturnType<typeof setTimeout>;
}

/** Where {@linkcode connectLoadClient} connects, and whether it still should. */
export interface ConnectOptions {
  /** The server's WebSocket URL, asked again on every reconnect. */
  url: () => string;
  /** False once the test ends: no more reconnects. */
  running: () => boolean;
}

/** What {@linkcode countDelivery} counted over all clients. */
export interface Delivery {
  /** Acked seqs over all rooms. */
  acked: number;
  /** Acked seqs missing from a member's view. */
  lost: number;
  /** Seqs a member saw more than once. */
  duplicated: number;
  /** Seqs that arrived after a seq as high or higher. */
  reordered: number;
  /** room → acked seq → every cid acked with that seq. */
  cidsByRoom: Map<string, Map<number, Set<string>>>;
}

/** A client of `user` in `room`, with a token the room servers accept; not connected yet. */
export async function createLoadClient(user: SessionUser, room: string): Promise<LoadClient> {
  return {
    user,
    token: await roomTestToken(user),
    room,
    joined: false,
    view: [],
    lastSeq: 0,
    unacked: new Map(),
    acked: new Map(),
    sent: 0,
    joins: 0,
    hello: Promise.withResolvers(),
  };
}

/** Connects, and connects again whenever the socket closes: after `reconnect.after_ms`, else soon. */
export function connectLoadClient(client: LoadClient, options: ConnectOptions): void {
  const socket = new WebSocket(options.url(), [PROTOCOL, BEARER_PROTOCOL_PREFIX + client.token]);
  client.socket = socket;
  client.joined = false;
  socket.onmessage = (event) => handle(client, JSON.parse(event.data));
  socket.onclose = () => {
    client.joined = false;
    const waitMs = client.reconnectAfterMs ?? RECONNECT_AFTER_MS;
    client.reconnectAfterMs = undefined;
    if (options.running()) {
      client.reconnectTimer = setTimeout(
        () => options.running() && connectLoadClient(client, options),
        waitMs,
      );
    }
  };
  // A server that is down or draining refuses the upgrade; the close that follows retries.
  socket.onerror = () => {};
}

/** Sends the client's next numbered message; it stays unacked until its ack. */
export function sendNext(client: LoadClient): void {
  client.sent++;
  send(client, `${client.user.id}-${client.sent}`, `${client.user.name} #${client.sent}`);
}

/** Sends again, with the same `cid`, every message unacked for longer than `afterMs`. */
export function resendOverdue(client: LoadClient, now: number, afterMs: number): void {
  for (const [cid, { text, sentAt }] of client.unacked) {
    if (now - sentAt > afterMs) send(client, cid, text);
  }
}

/** How many messages all clients still wait an ack for. */
export function countUnacked(clients: LoadClient[]): number {
  return clients.reduce((sum, client) => sum + client.unacked.size, 0);
}

/** Counts, from every client's view, what the server lost, duplicated or reordered. */
export function countDelivery(clients: LoadClient[]): Delivery {
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

/** Stops reconnecting and closes every client's socket; resolves once all are closed. */
export async function closeLoadClients(clients: LoadClient[]): Promise<void> {
  clients.forEach((client) => clearTimeout(client.reconnectTimer));
  await Promise.all(clients.map((client) => {
    const socket = client.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => socket.addEventListener("close", resolve));
    socket.close();
    return closed;
  }));
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

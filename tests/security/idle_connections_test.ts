/**
 * Issue 13, item 2: connections that send half a request head and then
 * nothing. Before the guarded server, ~1 000 of them at `ulimit -n 1024` made
 * `Deno.serve`'s accept loop throw an uncaught "Too many open files" and the
 * process exited (under `deno task start` and `serve.ts` alike). Each test
 * starts the real server as a child process, attacks it from 127.0.0.1, and
 * checks that it lives, keeps its clients, refuses the excess at accept,
 * times out the heads, and serves again afterwards.
 *
 * The exhaustion tests run `start.ts` itself (`deno task start`: `serve.ts`
 * with two worker isolates) and `serve.ts` with one isolate, where the
 * refusal of a newcomer is exact. `MAX_TCP_CONNECTIONS_PER_ADDRESS` is raised
 * there: the attack stands for many hosts (the per-address cap has its own
 * test below).
 */
import { equal, ok } from "node:assert/strict";
import { isProcessAlive, readRssBytes } from "../../bench/process_stats.ts";
import {
  readOpenFilesLimit,
  tcpConnectionBudget,
} from "../../lib/server/http/tcp_connection_budget.ts";
import { type ParallelServerOptions, startParallelServer } from "../_helpers/parallel_server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import {
  closeAll,
  getRequest,
  hold,
  openHalfHeads,
  rawRequest,
  within,
} from "./_raw_connections.ts";

/** The exhaustion attack's head and request timeouts. */
const HEADS_TIMEOUT_MS = 20_000;

/** What the attack may add to the server's resident memory. */
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;

/**
 * The server's open-files limit: 1 024 as in the report, unless this test
 * process (which holds the attack's sockets too) has less to spare.
 */
function serverOpenFiles(): number {
  return Math.min(1024, (readOpenFilesLimit() ?? 1024) - 100);
}

/** Starts the server with KV in a temp dir; `stop` ends it (SIGTERM) and removes the dir. */
async function startServer(options: ParallelServerOptions) {
  const dir = await Deno.makeTempDir({ prefix: "sb-attack-" });
  const server = await startParallelServer(`${dir}/kv`, options);
  const stop = async () => {
    server.child.kill("SIGTERM");
    await server.child.status;
    await server.collected;
    await Deno.remove(dir, { recursive: true });
  };
  return { server, stop };
}

async function guestClient(port: number, name: string): Promise<TestSocket> {
  const client = Deno.createHttpClient({});
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/guest`, {
      method: "POST",
      body: JSON.stringify({ name }),
      client,
    });
    const { token } = await response.json();
    const socket = await openSocket(`ws://127.0.0.1:${port}/api/ws`, { token });
    await socket.nextOf("hello");
    return socket;
  } finally {
    client.close();
  }
}

/** Sends one message and waits for its ack and its delivery back: the client is chatting. */
async function chat(client: TestSocket, text: string): Promise<void> {
  client.send({ type: "send", room: "lobby", text, cid: crypto.randomUUID() });
  await client.nextOf("ack");
  equal((await client.nextOf("message")).text, text);
}

const statusOf = (answer: string) => answer === "refused" ? answer : answer.split("\r\n")[0];

/** The exhaustion attack against `entry` with `workers` isolates; see the module doc. */
async function exhaustionAttack(entry: "start.ts" | "serve.ts", workers: number) {
  const openFiles = serverOpenFiles();
  const budget = tcpConnectionBudget({ workers, openFilesLimit: openFiles }).total;
  const attackers = budget + 100;
  const { server, stop } = await startServer({
    entry,
    openFiles,
    env: {
      WORKERS: String(workers),
      // Twice the default, so that no head times out (freeing its slot for a later attacker, who
      // is then accepted instead of refused) while the attack is still opening the rest: on a busy
      // machine opening ~1 100 heads took close to the default's 10 s.
      HEADERS_TIMEOUT_MS: String(HEADS_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(HEADS_TIMEOUT_MS),
      MAX_TCP_CONNECTIONS_PER_ADDRESS: "100000",
    },
  });
  const chatter = await guestClient(server.port, "chatter");
  try {
    chatter.send({ type: "join", room: "lobby" });
    await chatter.nextOf("joined");
    await chat(chatter, "before");
    const rssBefore = await readRssBytes(server.serverPid);

    const heads = await openHalfHeads(server.port, attackers);
    // Every slot is taken (the chatter holds one): at least the excess was closed at accept.
    await within(
      30_000,
      () => `${attackers - budget} refusals at exhaustion (${JSON.stringify(heads.counts())})`,
      heads.refusedAtLeast(attackers - budget),
    );
    ok(isProcessAlive(server.serverPid), "the server process is alive at exhaustion");
    await chat(chatter, "during");
    const newcomer = statusOf(await rawRequest(server.port, getRequest("/healthz")));
    const rssDuring = await readRssBytes(server.serverPid);

    const ends = await within(HEADS_TIMEOUT_MS + 30_000, "the heads' timeouts", heads.ended());
    const timedOut = ends.filter((end) => end.received.startsWith("HTTP/1.1 408"));
    const refused = ends.filter((end) => end.received === "");
    equal(timedOut.length + refused.length, attackers, "each head was timed out or refused");
    ok(timedOut.length >= budget / 2, `${timedOut.length} heads held a slot until they timed out`);
    ok(
      timedOut.every((end) => end.afterMs >= HEADS_TIMEOUT_MS - 100),
      "no head was closed before its timeout",
    );
    closeAll(heads.all);

    equal(statusOf(await rawRequest(server.port, getRequest("/healthz"))), "HTTP/1.1 200 OK");
    await using later = await guestClient(server.port, "later");
    later.send({ type: "join", room: "lobby" });
    await later.nextOf("joined");
    await chat(chatter, "after");
    ok(isProcessAlive(server.serverPid), "the server process is alive after the attack");
    ok(
      rssDuring - rssBefore < RSS_GROWTH_BOUND,
      `RSS grew ${Math.round((rssDuring - rssBefore) / 1024 / 1024)} MiB`,
    );
    return { newcomer };
  } finally {
    chatter.socket.close();
    await stop();
  }
}

Deno.test("fd exhaustion under `deno task start`: alive, clients keep chatting, the excess is refused, then served again", async () => {
  const { newcomer } = await exhaustionAttack("start.ts", 2);
  // The kernel spreads connections over the two isolates unevenly, so one may still have room.
  ok(["refused", "HTTP/1.1 200 OK"].includes(newcomer), newcomer);
});

Deno.test("fd exhaustion under serve.ts with one isolate: a newcomer is refused at accept until the heads time out", async () => {
  const { newcomer } = await exhaustionAttack("serve.ts", 1);
  equal(newcomer, "refused");
});

Deno.test("request heads and bodies that do not arrive in time are closed with 408; WebSockets are not", async () => {
  const { server, stop } = await startServer({
    env: { WORKERS: "1", HEADERS_TIMEOUT_MS: "1000", REQUEST_TIMEOUT_MS: "1500" },
  });
  const chatter = await guestClient(server.port, "chatter");
  try {
    chatter.send({ type: "join", room: "lobby" });
    await chatter.nextOf("joined");
    const heads = await openHalfHeads(server.port, 40);
    const silent = await hold(server.port, "");
    const slowBody = await hold(
      server.port,
      'POST /api/guest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"name":',
    );

    const headEnds = await within(
      10_000,
      "the heads' timeouts",
      Promise.all([...heads.all, silent].map((held) => held.ended)),
    );
    for (const end of headEnds) {
      ok(end.received.startsWith("HTTP/1.1 408"), JSON.stringify(end.received));
      // Checked every 100 ms; the upper bound leaves room for a busy machine.
      ok(end.afterMs >= 900 && end.afterMs < 3_000, `closed after ${end.afterMs} ms`);
    }
    const bodyEnd = await within(10_000, "the body's timeout", slowBody.ended);
    ok(bodyEnd.received.startsWith("HTTP/1.1 408"), bodyEnd.received);
    ok(bodyEnd.afterMs >= 1_400, `slow body closed after ${bodyEnd.afterMs} ms`);
    closeAll([...heads.all, silent, slowBody]);

    // The WebSocket, open longer than both timeouts, still chats.
    await chat(chatter, "still here");
    equal(chatter.socket.readyState, WebSocket.OPEN);
  } finally {
    chatter.socket.close();
    await stop();
  }
});

/** A server capping each address at 20 TCP connections, and 30 half heads held against it. */
async function addressCapAttack(env: Record<string, string>) {
  const { server, stop } = await startServer({
    env: {
      WORKERS: "1",
      MAX_CONNECTIONS_PER_ADDRESS: "10",
      MAX_TCP_CONNECTIONS_PER_ADDRESS: "20",
      ...env,
    },
  });
  return { server, heads: await openHalfHeads(server.port, 30), stop };
}

Deno.test("one address holds at most MAX_TCP_CONNECTIONS_PER_ADDRESS connections; a freed slot serves again", async () => {
  const { server, heads, stop } = await addressCapAttack({
    HEADERS_TIMEOUT_MS: "3000",
    REQUEST_TIMEOUT_MS: "3000",
  });
  try {
    await within(10_000, "refusals over the cap", heads.refusedAtLeast(10));
    equal(await rawRequest(server.port, getRequest("/healthz")), "refused");

    // Give one slot back; the server frees it when it sees the close.
    const freed = heads.all.find((held) => !held.isEnded())!;
    freed.conn.close();
    let answer = "refused";
    for (let attempt = 0; attempt < 20 && answer === "refused"; attempt++) {
      answer = await rawRequest(server.port, getRequest("/healthz"));
    }
    equal(statusOf(answer), "HTTP/1.1 200 OK");

    // The others end on the server's side: refused at accept, or timed out.
    const others = await Promise.all(
      heads.all.filter((held) => held !== freed).map((held) => held.ended),
    );
    equal(others.filter((end) => end.received === "").length, 10, "exactly the 10 over the cap");
    equal(others.filter((end) => end.received.startsWith("HTTP/1.1 408")).length, 19);
    ok(isProcessAlive(server.serverPid));
  } finally {
    closeAll(heads.all);
    await stop();
  }
});

Deno.test("trusted proxies are not capped per address (they carry many clients)", async () => {
  const { server, heads, stop } = await addressCapAttack({
    TRUST_PROXY: "loopback",
    HEADERS_TIMEOUT_MS: "1000",
    REQUEST_TIMEOUT_MS: "1000",
  });
  try {
    equal(statusOf(await rawRequest(server.port, getRequest("/healthz"))), "HTTP/1.1 200 OK");
    // None was refused: each one held its slot until its head timed out.
    const ends = await within(10_000, "the heads' timeouts", heads.ended());
    ok(ends.every((end) => end.received.startsWith("HTTP/1.1 408")), JSON.stringify(ends));
  } finally {
    closeAll(heads.all);
    await stop();
  }
});

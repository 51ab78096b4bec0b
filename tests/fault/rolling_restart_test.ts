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
import type { SessionUser } from "../../lib/protocol/mod.ts";
import { ROOM_TEST_SECRET } from "./_room_server.ts";
import { errorLines, type ServerProcess, spawnServer } from "../integration/deploy_process.ts";
import {
  closeLoadClients,
  connectLoadClient,
  countDelivery,
  countUnacked,
  createLoadClient,
  type LoadClient,
  resendOverdue,
  sendNext,
} from "./_load_client.ts";

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

function createClient(index: number): Promise<LoadClient> {
  const user: SessionUser = { id: `roll-${index}`, name: `roll${index}`, role: "user" };
  return createLoadClient(user, `rolling-${index % ROOMS}`);
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
    const connection = { url: () => url, running: () => running };
    for (const client of clients) connectLoadClient(client, connection);
    const oldInstance = await clients[0].hello.promise;
    await Promise.all(clients.map((client) => client.hello.promise));

    const started = Date.now();
    const sending = Promise.withResolvers<void>();
    const tick = () => {
      const now = Date.now();
      for (const client of clients) resendOverdue(client, now, RESEND_AFTER_MS);
      return now;
    };
    timers.push(setInterval(() => {
      if (tick() - started >= SEND_FOR_MS) return sending.resolve();
      for (const client of clients) sendNext(client);
    }, SEND_EVERY_MS));

    // The restart: the new process listens beside the old one, newcomers reach both, the old drains.
    await new Promise((resolve) => timers.push(setTimeout(resolve, RESTART_AFTER_MS)));
    const fresh = await startProcess(old.port, kvPath);
    processes.push(fresh);
    let newcomersOnNew = 0;
    while (newcomersOnNew < NEWCOMERS_ON_NEW && clients.length < CLIENTS + MAX_NEWCOMERS) {
      const newcomer = await createClient(clients.length);
      clients.push(newcomer);
      connectLoadClient(newcomer, connection);
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
      const pending = countUnacked(clients);
      if ((countDelivery(clients).lost === 0 && pending === 0) || now > deadline) settled.resolve();
    }, SEND_EVERY_MS));
    await settled.promise;

    const { acked, lost, duplicated, reordered, cidsByRoom } = countDelivery(clients);
    const unacked = countUnacked(clients);
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
    await closeLoadClients(clients);
    await Promise.all(processes.map((process) => process[Symbol.asyncDispose]()));
    await Deno.remove(dir, { recursive: true });
  }
});

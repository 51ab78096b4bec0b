/**
 * Zero loss under load and a crash: 50 clients in 5 rooms send for 10 s while
 * the server is killed with SIGKILL and restarted once on the same KV file.
 * Clients do what the real client does: reconnect, rejoin with `since`, and
 * resend unacked messages with the same `cid`. Afterwards every acked message
 * must be in every member's view exactly once, in seq order.
 */
import { deepEqual } from "node:assert/strict";
import type { SessionUser } from "../../lib/protocol/mod.ts";
import { spawnRoomServer } from "./_room_process.ts";
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

function roomOf(index: number) {
  return `load-${index % ROOMS}`;
}

Deno.test("under load and a SIGKILL restart, every acked message reaches every member once, in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rooms_fault_" });
  const kvPath = `${dir}/kv`;
  let server = await spawnRoomServer({ kvPath, env: ENV });
  let running = true;
  const clients: LoadClient[] = await Promise.all(
    Array.from({ length: CLIENTS }, (_, index) => {
      const user: SessionUser = { id: `load-${index}`, name: `load${index}`, role: "user" };
      return createLoadClient(user, roomOf(index));
    }),
  );
  const timers: ReturnType<typeof setTimeout>[] = [];
  try {
    for (const client of clients) {
      connectLoadClient(client, { url: () => server.wsUrl, running: () => running });
    }

    const started = Date.now();
    const sending = Promise.withResolvers<void>();
    timers.push(setInterval(() => {
      const now = Date.now();
      if (now - started >= SEND_FOR_MS) return sending.resolve();
      for (const client of clients) {
        sendNext(client);
        resendOverdue(client, now, RESEND_AFTER_MS);
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
      for (const client of clients) resendOverdue(client, now, RESEND_AFTER_MS);
      const { lost } = countDelivery(clients);
      const pending = countUnacked(clients);
      if ((lost === 0 && pending === 0) || now > deadline) settled.resolve();
    }, SEND_EVERY_MS));
    await settled.promise;

    const { acked, lost, duplicated, reordered: outOfOrder } = countDelivery(clients);
    const unacked = countUnacked(clients);
    const rejoined = clients.filter((client) => client.joins >= 2).length;
    console.log(JSON.stringify({ acked, lost, duplicated, outOfOrder, unacked, rejoined }));
    deepEqual({ lost, duplicated, outOfOrder }, {
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
    deepEqual({ unacked, rejoined }, { unacked: 0, rejoined: CLIENTS });
  } finally {
    running = false;
    timers.forEach((timer) => clearTimeout(timer));
    await closeLoadClients(clients);
    server.kill();
    await server.exited;
    await Deno.remove(dir, { recursive: true });
  }
});

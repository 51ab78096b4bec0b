/**
 * Child process of `guarded_server_test.ts` (run with `--expose-gc`): opens
 * and closes WebSockets through the guarded server, and prints the heap's
 * growth per upgrade after a warm-up, as JSON.
 */
import { serveGuarded } from "../../lib/framework/guarded_server.ts";
import { upgradeToWebSocket } from "../../lib/framework/socket_handover.ts";

const [warmUp, measured] = Deno.args.map(Number);
let closedOnServer = 0;
let allClosed: { count: number; resolve: () => void } | undefined;
const server = await serveGuarded((req, info) => {
  const { socket, response } = upgradeToWebSocket(req, info, {});
  socket.onmessage = () => socket.close();
  socket.onclose = () => {
    closedOnServer++;
    if (allClosed && closedOnServer >= allClosed.count) allClosed.resolve();
  };
  return response;
}, {
  hostname: "127.0.0.1",
  port: 0,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
  maxConnections: 1_000,
  maxConnectionsPerAddress: 1_000,
});

/** Opens `count` WebSockets, 100 at a time, each closed by the server after one message. */
async function cycle(count: number): Promise<void> {
  const closed = Promise.withResolvers<void>();
  allClosed = { count: closedOnServer + count, resolve: closed.resolve };
  for (let done = 0; done < count; done += 100) {
    await Promise.all(Array.from({ length: 100 }, () =>
      new Promise<void>((resolve, reject) => {
        const client = new WebSocket(`ws://127.0.0.1:${server.addr.port}/`);
        client.onopen = () => client.send("bye");
        client.onclose = () => resolve();
        client.onerror = () => reject(new Error("upgrade failed"));
      })));
  }
  await closed.promise;
}

const gc = (globalThis as unknown as { gc(): void }).gc;
const heapAfterGc = () => {
  gc();
  return Deno.memoryUsage().heapUsed;
};
await cycle(warmUp);
const before = heapAfterGc();
await cycle(measured);
const after = heapAfterGc();
console.log(JSON.stringify({
  bytesPerUpgrade: (after - before) / measured,
  openConnections: server.openConnections,
}));
server.close();

import { deepEqual, equal, ok } from "node:assert/strict";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { startParallelServer } from "../_helpers/parallel_server.ts";

Deno.test("SIGINT drains every isolate of `deno task start` (serve.ts, 2 workers) and exits within 5 s", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-parallel-" });
  const server = await startParallelServer(`${dir}/kv`);
  const clients: TestSocket[] = [];
  try {
    const instances = new Set<string>();
    for (let i = 0; instances.size < 2 && i < 40; i++) {
      const guest = await fetch(`http://127.0.0.1:${server.port}/api/guest`, {
        method: "POST",
        body: JSON.stringify({ name: `guest${i}` }),
      });
      const { token } = await guest.json();
      const client = await openSocket(`ws://127.0.0.1:${server.port}/api/ws`, { token });
      clients.push(client);
      instances.add((await client.nextOf("hello")).instance);
    }
    equal(instances.size, 2, "clients reached both isolates");

    const signalledAt = Date.now();
    server.child.kill("SIGINT");
    const reconnects = await Promise.all(clients.map((client) => client.nextOf("reconnect")));
    const status = await server.child.status;
    const elapsed = Date.now() - signalledAt;

    deepEqual(reconnects.map((frame) => frame.type), clients.map(() => "reconnect"));
    ok(reconnects.every((frame) => frame.after_ms >= 0 && frame.after_ms <= 3000));
    equal(status.code, 0);
    ok(elapsed < 5000, `exited after ${elapsed} ms`);
    for (const client of clients) {
      // The contract's restart codes: 1012 from the drain, or 1001 when the runtime
      // itself aborts the connections on the same signal (as `deno serve` does).
      ok([1001, 1012].includes((await client.closed).code));
    }
  } finally {
    for (const client of clients) client.socket.close();
    await server.collected;
    await Deno.remove(dir, { recursive: true });
  }
});

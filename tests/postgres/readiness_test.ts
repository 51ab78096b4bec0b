/**
 * PostgreSQL going away and coming back, with no restart of Switchboard:
 * `/readyz` says 503 while it is gone and 200 once it is back, a send while
 * it is gone fails without an ack, and the same send (same cid) is acked once
 * it is back. The file has its cluster to itself, since it stops it.
 */
import { equal, ok } from "node:assert/strict";
import { startTestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { signInAsGuest } from "../_helpers/guest.ts";
import { privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();

/** Asks `/readyz` until it answers `status`, at most 100 times a tenth of a second apart. */
async function readyzBecomes(origin: string, status: number): Promise<number> {
  for (let attempt = 1;; attempt++) {
    const response = await fetch(`${origin}/readyz`);
    await response.body?.cancel();
    if (response.status === status || attempt === 100) return response.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (pg) {
  Deno.test("/readyz is 503 while PostgreSQL is down and 200 once it is back; sends recover", async () => {
    await using server = await startTestServer({
      env: { DATABASE_URL: await pg.database(), METRICS_TOKEN: "metrics-secret" },
    });
    equal(server.services.storage.engine, "postgres");
    const readyz = await fetch(`${server.origin}/readyz`);
    equal(readyz.status, 200, await readyz.text());

    const { token } = await signInAsGuest(server.origin, "visitor");
    await using socket = await openSocket(server.wsUrl, { token });
    await socket.nextOf("hello");
    socket.send({ type: "join", room: "general" });
    await socket.nextOf("joined");

    await pg.stop();
    try {
      const down = await fetch(`${server.origin}/readyz`);
      const body = await down.json();
      equal(down.status, 503, JSON.stringify(body));
      equal(
        body.error.message,
        "the store is not answering",
        "the database's address stays private",
      );
      socket.send({ type: "send", room: "general", text: "while down", cid: "c1", ref: "r1" });
      const refused = await socket.nextOf("error");
      equal(refused.ref, "r1", JSON.stringify(refused));
    } finally {
      await pg.start();
    }

    equal(await readyzBecomes(server.origin, 200), 200);
    socket.send({ type: "send", room: "general", text: "while down", cid: "c1" });
    const ack = await socket.nextOf("ack");
    equal(ack.seq, 1, "the failed send left nothing behind; its retry is the first message");
    socket.send({ type: "send", room: "general", text: "while down", cid: "c1" });
    ok((await socket.nextOf("ack")).seq === 1, "and it is idempotent");
  });
}

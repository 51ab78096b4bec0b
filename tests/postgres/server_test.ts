/**
 * A real Switchboard process (`serve.ts`) on a private PostgreSQL: sign-in,
 * chat over a WebSocket, a SIGKILL and a restart, after which accounts,
 * history and the generated JWT secret are all still there; and a database
 * it cannot reach, which stops the start with one line naming the host.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";
import { openSocket } from "../_helpers/socket.ts";
import { privatePostgres } from "../_helpers/postgres.ts";

const pg = privatePostgres();

async function login(origin: string, name: string, password: string) {
  const response = await fetch(`${origin}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password }),
  });
  const body = await response.json();
  return { status: response.status, token: body.token as string | undefined };
}

if (pg) {
  Deno.test("on PostgreSQL, accounts, history and the generated secret survive a SIGKILL restart", async () => {
    const url = await pg.database();
    // No JWT_SECRETS: the secret is generated once and kept in PostgreSQL.
    await using server = await startServerProcess({
      env: { DATABASE_URL: url, METRICS_TOKEN: "metrics-secret", JWT_SECRETS: "" },
    });
    const registered = await fetch(`${server.origin}/api/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ada", password: "correct horse battery" }),
    });
    equal(registered.status, 201);
    const first = { token: (await registered.json()).token as string };
    const texts = ["one", "two", "three"];
    {
      await using socket = await openSocket(`${server.origin.replace("http", "ws")}/api/ws`, {
        token: first.token,
      });
      await socket.nextOf("hello");
      socket.send({ type: "join", room: "general" });
      await socket.nextOf("joined");
      for (const [index, text] of texts.entries()) {
        socket.send({ type: "send", room: "general", text, cid: `c${index}` });
        equal((await socket.nextOf("ack")).seq, index + 1);
      }
    }

    await server.restart();

    equal(
      (await login(server.origin, "ada", "wrong password!")).status,
      401,
      "the account is kept",
    );
    equal((await login(server.origin, "ada", "correct horse battery")).status, 200);
    // A token signed before the restart still verifies: the same secret, from the database.
    await using socket = await openSocket(`${server.origin.replace("http", "ws")}/api/ws`, {
      token: first.token,
    });
    await socket.nextOf("hello");
    socket.send({ type: "join", room: "general", since: 0 });
    const joined = await socket.nextOf("joined");
    equal(joined.recovered, true);
    deepEqual(joined.messages.map((message) => [message.seq, message.text]), [
      [1, "one"],
      [2, "two"],
      [3, "three"],
    ]);
    socket.send({ type: "send", room: "general", text: "one", cid: "c0" });
    equal((await socket.nextOf("ack")).seq, 1, "a resent cid gets its original ack");
    const kvFile = await Deno.stat(server.kvPath).then(() => true, () => false);
    equal(kvFile, false, "no KV database was opened");
  });
}

Deno.test("a database that cannot be reached stops the start with one line naming the host", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../serve.ts", import.meta.url).pathname],
    env: {
      DATABASE_URL: `postgres://chat:hunter22@127.0.0.1:${port}/chat`,
      METRICS_TOKEN: "metrics-secret",
      PORT: "0",
      WORKERS: "2",
    },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  equal(output.code, 1, stderr);
  ok(stderr.includes(`cannot use PostgreSQL at 127.0.0.1:${port} (database chat)`), stderr);
  ok(!stderr.includes("hunter22"), "never the password");
  ok(!/^\s+at /m.test(stderr), `no stack trace:\n${stderr}`);
});

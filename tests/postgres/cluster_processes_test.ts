/**
 * Three Switchboard processes (separate OS processes, `serve.ts`) on one
 * private PostgreSQL behave as one server: a message, presence, typing, a
 * kick, a room closure, the per-user connection limit, a fallback POST that
 * lands on another process, and `/api/status` counting every process. Nothing
 * joins them but `DATABASE_URL` (the postgres cluster engine); a process may
 * itself run several isolates (`WORKERS`), each counted.
 */
import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import type { ServerFrameOf, StatusDetail } from "../../lib/protocol/mod.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { within } from "../_helpers/within.ts";
import type { ServerProcess } from "../_helpers/server_process.ts";
import { privatePostgres } from "../_helpers/postgres.ts";
import { openEventStream } from "../integration/fallback_stream.ts";
import { type PgProcesses, startPgProcesses, wsUrlOf } from "./_processes.ts";

const pg = privatePostgres();
/** How long a test waits for what must cross, before it fails instead of hanging. */
const DEADLINE_MS = 15_000;

async function connect(cluster: PgProcesses, process: ServerProcess, name: string) {
  const socket = await openSocket(wsUrlOf(process), { token: await cluster.token(name) });
  const hello = await within(DEADLINE_MS, `${name}'s hello`, socket.nextOf("hello"));
  return { socket, hello };
}

async function join(socket: TestSocket, room: string) {
  socket.send({ type: "join", room, ref: room });
  return await within(DEADLINE_MS, `joined ${room}`, socket.nextOf("joined"));
}

/** The next `presence` frame that says `userId` joined (or left). */
function presenceOf(socket: TestSocket, userId: string, change: "joins" | "leaves") {
  return within(
    DEADLINE_MS,
    `${userId} ${change}`,
    (async () => {
      for (;;) {
        const frame: ServerFrameOf<"presence"> = await socket.nextOf("presence");
        if (frame[change]?.some((user) => user.id === userId)) return frame;
      }
    })(),
  );
}

async function adminPost(
  cluster: PgProcesses,
  process: ServerProcess,
  path: string,
  body: unknown,
) {
  return await fetch(`${process.origin}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${await cluster.token("root", "admin")}`,
    },
    body: JSON.stringify(body),
  });
}

if (pg) {
  Deno.test("processes: a message, presence and typing cross; hello says cluster", async () => {
    await using cluster = await startPgProcesses(pg, 3);
    const [a, b, c] = cluster.processes;
    const bob = await connect(cluster, b, "bob");
    ok(bob.hello.features.includes("cluster"));
    await join(bob.socket, "general");
    const ada = await connect(cluster, a, "ada");
    notEqual(ada.hello.instance, bob.hello.instance);
    await join(ada.socket, "general");
    await presenceOf(bob.socket, "user:ada", "joins");
    const carol = await connect(cluster, c, "carol");
    deepEqual(
      (await join(carol.socket, "general")).presence.map((user) => user.id).sort(),
      ["user:ada", "user:bob", "user:carol"],
    );

    ada.socket.send({ type: "send", room: "general", text: "hello from A", cid: "c1", ref: "s" });
    const ack = await within(DEADLINE_MS, "the ack", ada.socket.nextOf("ack"));
    for (const { socket } of [bob, carol]) {
      const message = await within(DEADLINE_MS, "the message", socket.nextOf("message"));
      deepEqual([message.seq, message.text, message.user.id], [
        ack.seq,
        "hello from A",
        "user:ada",
      ]);
    }

    carol.socket.send({ type: "typing", room: "general" });
    const typing = await within(DEADLINE_MS, "typing on B", bob.socket.nextOf("typing"));
    deepEqual(typing.user, { id: "user:carol", name: "carol", role: "user" });

    ada.socket.send({ type: "leave", room: "general" });
    await presenceOf(carol.socket, "user:ada", "leaves");
    for (const { socket } of [ada, bob, carol]) await socket[Symbol.asyncDispose]();
  });

  Deno.test("processes: a kick and a room closure on one process hold on the others", async () => {
    await using cluster = await startPgProcesses(pg, 3);
    const [a, b, c] = cluster.processes;
    const mallory = [await connect(cluster, b, "mallory"), await connect(cluster, c, "mallory")];
    const kicked = await adminPost(cluster, a, "/api/admin/kick", { user_id: "user:mallory" });
    equal(kicked.status, 200);
    await kicked.body?.cancel();
    for (const { socket } of mallory) {
      equal((await within(DEADLINE_MS, "the kick", socket.closed)).code, 4403);
    }

    const member = await connect(cluster, c, "ada");
    await join(member.socket, "random");
    const closed = await adminPost(cluster, b, "/api/admin/close-room", { room: "random" });
    equal(closed.status, 200);
    await closed.body?.cancel();
    equal(
      (await within(DEADLINE_MS, "the eviction", member.socket.nextOf("error"))).code,
      "forbidden",
    );
    const late = await connect(cluster, a, "bob");
    late.socket.send({ type: "join", room: "random" });
    equal(
      (await within(DEADLINE_MS, "the refusal", late.socket.nextOf("error"))).code,
      "forbidden",
    );
    for (const { socket } of [member, late]) await socket[Symbol.asyncDispose]();
  });

  Deno.test("processes: the per-user connection limit counts every process", async () => {
    await using cluster = await startPgProcesses(pg, 3, { MAX_CONNECTIONS_PER_USER: "2" });
    const [a, b, c] = cluster.processes;
    const watcher = await connect(cluster, c, "watcher");
    await join(watcher.socket, "one");
    await join(watcher.socket, "two");
    // Each of ada's sockets joins a room of its own, so the watcher on C sees when C heard of it.
    const first = await connect(cluster, a, "ada");
    await join(first.socket, "one");
    const second = await connect(cluster, b, "ada");
    await join(second.socket, "two");
    await presenceOf(watcher.socket, "user:ada", "joins");
    await presenceOf(watcher.socket, "user:ada", "joins");
    const third = await openSocket(wsUrlOf(c), { token: await cluster.token("ada") });
    equal((await within(DEADLINE_MS, "the refusal", third.closed)).code, 4409);
    for (const { socket } of [watcher, first, second]) await socket[Symbol.asyncDispose]();
  });

  Deno.test("processes: a fallback POST landing on another process reaches its session", async () => {
    await using cluster = await startPgProcesses(pg, 3);
    const [a, b] = cluster.processes;
    const token = await cluster.token("ada");
    await using stream = await openEventStream(a.origin, token);
    const response = await fetch(`${b.origin}/api/send?session=${stream.hello.session}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify([
        { type: "join", room: "lobby", ref: "j" },
        { type: "send", room: "lobby", text: "via B", cid: "c1", ref: "s" },
      ]),
    });
    equal(response.status, 202);
    await response.body?.cancel();
    equal((await within(DEADLINE_MS, "joined", stream.nextOf("joined"))).ref, "j");
    const ack = await within(DEADLINE_MS, "the ack", stream.nextOf("ack"));
    deepEqual({ ref: ack.ref, seq: ack.seq }, { ref: "s", seq: 1 });
  });

  Deno.test("processes: /api/status counts every process", async () => {
    await using cluster = await startPgProcesses(pg, 3);
    const [a, b, c] = cluster.processes;
    const sockets = [await connect(cluster, b, "bob"), await connect(cluster, c, "carol")];
    const admin = await cluster.token("root", "admin");
    const status = await within(
      DEADLINE_MS,
      "three processes and two connections",
      (async () => {
        for (;;) {
          const response = await fetch(`${a.origin}/api/status`, {
            headers: { authorization: `Bearer ${admin}` },
          });
          const body: StatusDetail = await response.json();
          if (body.isolates.length === 3 && body.connections === 2) return body;
          // Snapshots cross every few seconds; nothing announces one to a client.
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })(),
    );
    equal(status.cluster.engine, "postgres");
    equal(status.cluster.instances, 3);
    for (const { socket } of sockets) await socket[Symbol.asyncDispose]();
  });

  Deno.test("processes: each process may run several isolates; every isolate counts", async () => {
    await using cluster = await startPgProcesses(pg, 2, { WORKERS: "2" });
    const [a, b] = cluster.processes;
    const admin = await cluster.token("root", "admin");
    await within(
      DEADLINE_MS,
      "four isolates in the cluster",
      (async () => {
        for (;;) {
          const response = await fetch(`${a.origin}/api/status`, {
            headers: { authorization: `Bearer ${admin}` },
          });
          const body: StatusDetail = await response.json();
          if (body.cluster.instances === 4) return;
          // Heartbeats cross within a beat; nothing announces one to a client.
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })(),
    );
    const bob = await connect(cluster, b, "bob");
    await join(bob.socket, "general");
    const ada = await connect(cluster, a, "ada");
    await join(ada.socket, "general");
    ada.socket.send({ type: "send", room: "general", text: "across", cid: "c1" });
    const message = await within(DEADLINE_MS, "the message", bob.socket.nextOf("message"));
    equal(message.text, "across");
    for (const { socket } of [ada, bob]) await socket[Symbol.asyncDispose]();
  });
}

/**
 * Attack: reading a closed room. Before the fix, a room an administrator
 * closed still answered `history` to anyone, joined or not. Now every read
 * path (join, resume, history, over a socket or the fallback, on any
 * instance of the database) answers `forbidden` and no message, and the room
 * list leaves it out.
 */
import { equal } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { openEventStream } from "../integration/fallback_stream.ts";

async function tokenFor(server: TestServer, name: string, role: "user" | "admin" = "user") {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role })).token;
}

async function connect(server: TestServer, name: string): Promise<TestSocket> {
  const socket = await openSocket(server.wsUrl, { token: await tokenFor(server, name) });
  equal((await socket.next()).type, "hello");
  return socket;
}

Deno.test("closed room: history, join and resume answer forbidden and nothing else, on every path", async () => {
  await using server = await startTestServer();
  await using ada = await connect(server, "ada");
  ada.send({ type: "join", room: "secret" });
  await ada.nextOf("joined");
  for (let i = 1; i <= 3; i++) {
    ada.send({ type: "send", room: "secret", text: `secret ${i}`, cid: `c${i}` });
    await ada.nextOf("ack");
  }
  const closed = await fetch(`${server.origin}/api/admin/close-room`, {
    method: "POST",
    headers: { authorization: `Bearer ${await tokenFor(server, "root", "admin")}` },
    body: JSON.stringify({ room: "secret" }),
  });
  equal(closed.status, 200);
  await closed.body?.cancel();

  const reads = [
    { type: "history", room: "secret", ref: "history" },
    { type: "history", room: "secret", before: 3, limit: 2, ref: "page" },
    { type: "join", room: "secret", ref: "join" },
    { type: "join", room: "secret", since: 0, ref: "resume" },
  ];
  await using eve = await connect(server, "eve");
  for (const frame of reads) {
    eve.send(frame);
    const answer = await eve.next();
    equal(answer.type, "error", frame.ref);
    equal(answer.type === "error" && answer.code, "forbidden", frame.ref);
    equal(answer.type === "error" && answer.ref, frame.ref);
  }

  // The fallback transport reads through the same hub.
  await using stream = await openEventStream(server.origin, await tokenFor(server, "mallory"));
  await stream.post({ type: "history", room: "secret", ref: "sse" });
  const answer = await stream.next();
  equal(answer.type === "error" && answer.code, "forbidden");

  // Nor is it listed.
  const listed = await (await fetch(`${server.origin}/api/rooms`)).json();
  equal(listed.rooms.some(({ name }: { name: string }) => name === "secret"), false);

  // Another instance on the same database, which never heard the bus, refuses too.
  await using other = await startTestServer({ kv: server.kv });
  await using bob = await connect(other, "bob");
  bob.send({ type: "history", room: "secret", ref: "elsewhere" });
  const elsewhere = await bob.next();
  equal(elsewhere.type === "error" && elsewhere.code, "forbidden");
});

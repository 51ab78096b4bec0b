/**
 * Every behaviour that spans instances, shown crossing between three app
 * instances that share one KV database and nothing else (`_topology.ts`: each
 * has its own bus namespace, so no BroadcastChannel joins them), as Deno
 * Deploy's instances do: presence, typing, kicks, room closures, the
 * per-user and per-address limits, the login, guest and registration
 * limits, sign-outs, invitations and removals from a room, password changes,
 * the fallback relay, `/api/status`, drain, and an instance that stops
 * without a word. The last test runs the presence scenario with the local
 * engine: it must not cross, so what crosses above is the kv engine's doing.
 */
import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import type { ServerFrameOf, StatusDetail } from "../../lib/protocol/mod.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { openEventStream } from "./fallback_stream.ts";
import {
  CROSSING_DEADLINE_MS,
  startTopology,
  type Topology,
  TOPOLOGY_EXPIRY_MS,
  within,
} from "./_topology.ts";
import type { TestServer } from "../_helpers/server.ts";
import { ACCOUNT_PASSWORD, registerAccount, signInAccount } from "../_helpers/accounts.ts";
import { ask, connectAs } from "../_helpers/rooms.ts";

const KV = { CLUSTER: "kv" };

/** Opens a socket for `name` on `instance` and waits for `hello`. */
async function connect(topology: Topology, instance: TestServer, name: string) {
  const socket = await openSocket(instance.wsUrl, { token: await topology.token(name) });
  const hello = await socket.nextOf("hello");
  return { socket, hello };
}

/** Joins `room` and returns the `joined` frame. */
async function join(socket: TestSocket, room: string) {
  socket.send({ type: "join", room, ref: room });
  return await socket.nextOf("joined");
}

/** The next `presence` frame that says `userId` joined (or left). */
async function presenceOf(socket: TestSocket, userId: string, change: "joins" | "leaves") {
  for (;;) {
    const frame: ServerFrameOf<"presence"> = await socket.nextOf("presence");
    if (frame[change]?.some((user) => user.id === userId)) return frame;
  }
}

/** `GET /api/status` on `instance` with an admin's token. */
async function statusOn(topology: Topology, instance: TestServer): Promise<StatusDetail> {
  const response = await fetch(`${instance.origin}/api/status`, {
    headers: { authorization: `Bearer ${await topology.token("root", "admin")}` },
  });
  const status = await response.json();
  equal(status.view, "admin");
  return status;
}

/** Polls `GET /api/status` on `instance` until `holds` (snapshots cross every 200 ms). */
async function statusUntil(
  topology: Topology,
  instance: TestServer,
  what: string,
  holds: (status: StatusDetail) => boolean,
): Promise<StatusDetail> {
  return await within(
    CROSSING_DEADLINE_MS,
    what,
    (async () => {
      for (;;) {
        const status = await statusOn(topology, instance);
        if (holds(status)) return status;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })(),
  );
}

async function post(instance: TestServer, path: string, body: unknown, headers = {}) {
  return await fetch(`${instance.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

Deno.test("topology: presence crosses in joined and presence frames; hello says cluster", async () => {
  await using topology = await startTopology(3, KV);
  const [a, b, c] = topology.instances;
  const bob = await connect(topology, b, "bob");
  ok(bob.hello.features.includes("cluster"));
  await join(bob.socket, "general");
  const ada = await connect(topology, a, "ada");
  notEqual(ada.hello.instance, bob.hello.instance);
  await join(ada.socket, "general");
  await within(
    CROSSING_DEADLINE_MS,
    "ada's join on B",
    presenceOf(bob.socket, "user:ada", "joins"),
  );

  // B knows ada now: a newcomer on B is told she is online, and so is one on C.
  const dave = await connect(topology, b, "dave");
  const daveJoined = await join(dave.socket, "general");
  deepEqual(daveJoined.presence.map((user) => user.id).sort(), [
    "user:ada",
    "user:bob",
    "user:dave",
  ]);
  const carol = await connect(topology, c, "carol");
  await join(carol.socket, "general");
  await within(CROSSING_DEADLINE_MS, "carol on A", presenceOf(ada.socket, "user:carol", "joins"));

  // Ada leaves on A: B's members are told, after the leave's debounce.
  ada.socket.send({ type: "leave", room: "general" });
  await within(
    CROSSING_DEADLINE_MS,
    "ada's leave on B",
    presenceOf(bob.socket, "user:ada", "leaves"),
  );
  for (const { socket } of [bob, dave, carol]) await socket[Symbol.asyncDispose]();
  await ada.socket[Symbol.asyncDispose]();
});

Deno.test("topology: typing crosses, once a second per user and room", async () => {
  await using topology = await startTopology(2, KV);
  const [a, b] = topology.instances;
  const bob = await connect(topology, b, "bob");
  await join(bob.socket, "general");
  const ada = await connect(topology, a, "ada");
  await join(ada.socket, "general");
  ada.socket.send({ type: "typing", room: "general" });
  const typing = await within(CROSSING_DEADLINE_MS, "typing on B", bob.socket.nextOf("typing"));
  deepEqual(typing.user, { id: "user:ada", name: "ada", role: "user" });
  await ada.socket[Symbol.asyncDispose]();
  await bob.socket[Symbol.asyncDispose]();
});

Deno.test("topology: an admin's kick on one instance closes the user's sockets on the others", async () => {
  await using topology = await startTopology(3, KV);
  const [a, b, c] = topology.instances;
  const onB = await connect(topology, b, "mallory");
  const onC = await connect(topology, c, "mallory");
  const response = await post(a, "/api/admin/kick", { user_id: "user:mallory" }, {
    authorization: `Bearer ${await topology.token("root", "admin")}`,
  });
  equal(response.status, 200);
  deepEqual(await response.json(), { user_id: "user:mallory", closed_here: 0 });
  for (const { socket } of [onB, onC]) {
    const closed = await within(CROSSING_DEADLINE_MS, "the kick", socket.closed);
    equal(closed.code, 4403);
  }
});

Deno.test("topology: a room closed on one instance evicts its members on the others", async () => {
  await using topology = await startTopology(3, KV);
  const [a, b, c] = topology.instances;
  const member = await connect(topology, c, "ada");
  await join(member.socket, "random");
  const response = await post(b, "/api/admin/close-room", { room: "random" }, {
    authorization: `Bearer ${await topology.token("root", "admin")}`,
  });
  equal(response.status, 200);
  const error = await within(CROSSING_DEADLINE_MS, "the eviction", member.socket.nextOf("error"));
  equal(error.code, "forbidden");
  equal((await member.socket.nextOf("left")).room, "random");
  // And a join on the third instance is refused too.
  const late = await connect(topology, a, "bob");
  late.socket.send({ type: "join", room: "random" });
  equal((await late.socket.nextOf("error")).code, "forbidden");
  await member.socket[Symbol.asyncDispose]();
  await late.socket[Symbol.asyncDispose]();
});

Deno.test("topology: the next join sees a message and a closure made on another instance at once", async () => {
  await using topology = await startTopology(2, KV);
  const [a, b] = topology.instances;
  // The room is live on A (its reads are shared by joins there) before B writes to it.
  const ada = await connect(topology, a, "ada");
  await join(ada.socket, "lobby");
  const bob = await connect(topology, b, "bob");
  await join(bob.socket, "lobby");
  equal(
    (await ask(bob.socket, { type: "send", room: "lobby", text: "hi", cid: "m1" })).type,
    "ack",
  );
  // Acked on B: a join on A that starts now replays it, without waiting for any notice.
  const cy = await connect(topology, a, "cy");
  const joined = await join(cy.socket, "lobby");
  deepEqual(joined.messages.map(({ text }) => text), ["hi"]);
  const response = await post(b, "/api/admin/close-room", { room: "lobby" }, {
    authorization: `Bearer ${await topology.token("root", "admin")}`,
  });
  equal(response.status, 200);
  // Closed on B: a join on A that starts now is refused, whether or not A has heard.
  const dee = await connect(topology, a, "dee");
  dee.socket.send({ type: "join", room: "lobby" });
  equal((await dee.socket.nextOf("error")).code, "forbidden");
  for (const { socket } of [ada, bob, cy, dee]) await socket[Symbol.asyncDispose]();
});

Deno.test("topology: the per-user and per-address limits count every instance", async () => {
  await using topology = await startTopology(3, {
    ...KV,
    MAX_CONNECTIONS_PER_USER: "2",
    MAX_CONNECTIONS_PER_ADDRESS: "4",
  });
  const [a, b, c] = topology.instances;
  const watcher = await connect(topology, c, "watcher");
  await join(watcher.socket, "one");
  await join(watcher.socket, "two");
  // Each of ada's sockets joins a room of its own, so C's watcher sees when C heard of each:
  // an instance publishes a connection's count before anything that connection does.
  const first = await connect(topology, a, "ada");
  await join(first.socket, "one");
  const second = await connect(topology, b, "ada");
  await join(second.socket, "two");
  await within(CROSSING_DEADLINE_MS, "ada on A", presenceOf(watcher.socket, "user:ada", "joins"));
  await within(CROSSING_DEADLINE_MS, "ada on B", presenceOf(watcher.socket, "user:ada", "joins"));
  const third = await openSocket(c.wsUrl, { token: await topology.token("ada") });
  equal((await within(CROSSING_DEADLINE_MS, "the refusal", third.closed)).code, 4409);

  // 127.0.0.1 holds 3 sockets (watcher, ada on A, ada on B); one more anywhere is the 4th.
  const fourth = await connect(topology, a, "bob");
  await join(fourth.socket, "one");
  await within(CROSSING_DEADLINE_MS, "bob on A", presenceOf(watcher.socket, "user:bob", "joins"));
  const fifth = await openSocket(b.wsUrl, { token: await topology.token("carol") });
  equal((await within(CROSSING_DEADLINE_MS, "the refusal", fifth.closed)).code, 4429);
  for (const { socket } of [watcher, first, second, fourth]) await socket[Symbol.asyncDispose]();
});

Deno.test("topology: login, guest and registration limits count attempts on every instance", async () => {
  await using topology = await startTopology(3, {
    ...KV,
    LOGIN_ATTEMPTS_PER_ADDRESS: "3",
    GUESTS_PER_ADDRESS: "2",
    REGISTRATIONS_PER_ADDRESS: "2",
  });
  const [a, b, c] = topology.instances;
  const registrations = [];
  for (const [instance, name] of [[a, "ada"], [b, "bob"], [c, "carol"]] as const) {
    const response = await post(instance, "/api/register", { name, password: "right-password" });
    await response.body?.cancel();
    registrations.push(response.status);
  }
  deepEqual(registrations, [201, 201, 429], "the third registration was on a third instance");

  const login = (instance: TestServer, password: string) =>
    post(instance, "/api/login", { name: "ada", password });
  const statuses = [];
  for (
    const [instance, password] of [[a, "right-password"], [b, "wrong-password"], [
      c,
      "nope-nope",
    ]] as const
  ) {
    const response = await login(instance, password);
    await response.body?.cancel();
    statuses.push(response.status);
  }
  deepEqual(statuses, [200, 401, 401]);
  const fourth = await login(a, "right-password");
  await fourth.body?.cancel();
  equal(fourth.status, 429, "the address's third attempt was on another instance");

  const guests = [];
  for (const instance of [b, c, a]) {
    const response = await post(instance, "/api/guest", { name: `visitor-${guests.length}` });
    await response.body?.cancel();
    guests.push(response.status);
  }
  deepEqual(guests, [200, 200, 429]);
});

Deno.test("topology: signing out on one instance closes the sign-in's sockets on the others", async () => {
  await using topology = await startTopology(3, KV);
  const [a, b, c] = topology.instances;
  const signIn = await post(a, "/api/register", { name: "ada", password: "correct horse" });
  equal(signIn.status, 201);
  const { token } = await signIn.json();
  const cookies = signIn.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  const onC = await openSocket(c.wsUrl, { token });
  await onC.nextOf("hello");

  const logout = await fetch(`${b.origin}/api/logout`, {
    method: "POST",
    headers: { cookie: cookies.join("; ") },
  });
  equal(logout.status, 200);
  await logout.body?.cancel();
  equal((await within(CROSSING_DEADLINE_MS, "the sign-out", onC.closed)).code, 4401);

  // An instance that starts later refuses the sign-in's tokens too.
  const d = await topology.add();
  const onD = await openSocket(d.wsUrl, { token });
  equal((await within(CROSSING_DEADLINE_MS, "the refusal", onD.closed)).code, 4401);
});

Deno.test("topology: an invitation and a removal on one instance reach the invited user on another", async () => {
  await using topology = await startTopology(2, KV);
  const [a, b] = topology.instances;
  const ada = await registerAccount(a.origin, "ada");
  const bob = await registerAccount(b.origin, "bob");
  await using adaSocket = await connectAs(a, ada);
  await using bobSocket = await connectAs(b, bob);
  equal(
    (await ask(adaSocket, { type: "create_room", room: "team", visibility: "private" })).type,
    "joined",
  );

  await ask(adaSocket, { type: "invite", room: "team", user: "bob" });
  deepEqual(
    await within(CROSSING_DEADLINE_MS, "the invitation", bobSocket.nextOf("invitation")),
    { type: "invitation", room: "team", by: ada.user },
  );
  equal((await ask(bobSocket, { type: "join", room: "team" })).type, "joined");

  // Removed on A: bob's socket on B leaves the room and is told.
  await ask(adaSocket, { type: "remove_member", room: "team", user: "bob" });
  deepEqual(
    await within(CROSSING_DEADLINE_MS, "the eviction", bobSocket.take((f) => f.type === "left")),
    { type: "left", room: "team" },
  );
  const told = bobSocket.take((f) => f.type === "membership" && !f.joined);
  deepEqual(await within(CROSSING_DEADLINE_MS, "the membership news", told), {
    type: "membership",
    room: "team",
    joined: false,
  });
});

Deno.test("topology: a read position and a mention on one instance reach the account's connections on another", async () => {
  await using topology = await startTopology(2, KV);
  const [a, b] = topology.instances;
  const phone = await registerAccount(a.origin, "ada");
  const laptop = await signInAccount(b.origin, "ada");
  const bob = await registerAccount(a.origin, "bob");
  await using phoneSocket = await connectAs(a, phone);
  await using laptopSocket = await connectAs(b, laptop);
  await using bobSocket = await connectAs(a, bob);
  equal((await ask(phoneSocket, { type: "join", room: "desk" })).type, "joined");
  equal((await ask(bobSocket, { type: "join", room: "desk" })).type, "joined");

  const sent = await ask(bobSocket, { type: "send", room: "desk", text: "@ada ping", cid: "m1" });
  equal(sent.type, "ack");
  const mention = await within(CROSSING_DEADLINE_MS, "the mention", laptopSocket.nextOf("mention"));
  deepEqual({ ...mention, by: mention.by.name }, {
    type: "mention",
    room: "desk",
    seq: 1,
    by: "bob",
    text: "@ada ping",
  });
  phoneSocket.send({ type: "read", room: "desk", seq: 1 });
  deepEqual(
    await within(CROSSING_DEADLINE_MS, "the read position", laptopSocket.nextOf("read")),
    { type: "read", room: "desk", seq: 1 },
  );
});

Deno.test("topology: a password changed on one instance closes the account's other sign-ins on the others", async () => {
  await using topology = await startTopology(3, KV);
  const [a, b, c] = topology.instances;
  const phone = await registerAccount(a.origin, "ada");
  const laptop = await signInAccount(b.origin, "ada");
  const onC = await openSocket(c.wsUrl, { token: laptop.token });
  await onC.nextOf("hello");
  const phoneOnB = await openSocket(b.wsUrl, { token: phone.token });
  await phoneOnB.nextOf("hello");

  const changed = await post(a, "/api/password", {
    old_password: ACCOUNT_PASSWORD,
    new_password: "a brand new password",
  }, { authorization: `Bearer ${phone.token}` });
  equal(changed.status, 204);
  await changed.body?.cancel();
  equal((await within(CROSSING_DEADLINE_MS, "the sign-out", onC.closed)).code, 4401);
  // The sign-in that changed it stays, on every instance.
  phoneOnB.send({ type: "ping", t: 7 });
  equal((await phoneOnB.nextOf("pong")).t, 7);
  await phoneOnB[Symbol.asyncDispose]();
});

Deno.test("topology: a fallback POST is answered on any instance", async () => {
  await using topology = await startTopology(3, KV);
  const [a, b, c] = topology.instances;
  const token = await topology.token("ada");
  await using stream = await openEventStream(a.origin, token);
  const { session } = stream.hello;
  equal(b.services.hub.session(session), undefined);
  const response = await fetch(`${b.origin}/api/send?session=${session}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify([
      { type: "join", room: "lobby", ref: "j" },
      { type: "send", room: "lobby", text: "via B", cid: "c1", ref: "s" },
    ]),
  });
  equal(response.status, 202);
  await response.body?.cancel();
  equal((await within(CROSSING_DEADLINE_MS, "joined", stream.nextOf("joined"))).ref, "j");
  const ack = await within(CROSSING_DEADLINE_MS, "the ack", stream.nextOf("ack"));
  deepEqual({ ref: ack.ref, seq: ack.seq }, { ref: "s", seq: 1 });

  // Another user's POST is refused by the owner; a session of no live instance is unknown.
  const mallory = await fetch(`${c.origin}/api/send?session=${session}`, {
    method: "POST",
    headers: { authorization: `Bearer ${await topology.token("mallory")}` },
    body: "{}",
  });
  equal(mallory.status, 403);
  await mallory.body?.cancel();
  const nobody = await fetch(`${c.origin}/api/send?session=0123456789ab.${crypto.randomUUID()}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: "{}",
  });
  equal(nobody.status, 404);
  await nobody.body?.cancel();
});

Deno.test("topology: /api/status counts every instance; a drain shows; a dead one drops out", async () => {
  await using topology = await startTopology(3, KV);
  const [a, b, c] = topology.instances;
  const sockets = [await connect(topology, b, "bob"), await connect(topology, c, "carol")];
  const whole = await statusUntil(
    topology,
    a,
    "three instances and two connections",
    (status) => status.isolates.length === 3 && status.connections === 2,
  );
  deepEqual(whole.cluster.engine, "kv");
  equal(whole.cluster.instances, 3);

  const draining = b.services.drain();
  await statusUntil(
    topology,
    a,
    "B draining",
    (status) => status.isolates.find((row) => row.id === b.services.instance)?.state === "draining",
  );
  await draining;

  const killedAt = Date.now();
  await c.kill();
  const after = await statusUntil(
    topology,
    a,
    "C gone",
    (status) => !status.isolates.some((row) => row.id === c.services.instance),
  );
  ok(Date.now() - killedAt < 2 * TOPOLOGY_EXPIRY_MS + 2_000, "dropped out within the expiry");
  ok(after.missing_isolates.some((gone) => gone.id === c.services.instance));
  for (const { socket } of sockets) await socket[Symbol.asyncDispose]();
});

Deno.test("topology: an instance that stops without a word loses its presence and counts", async () => {
  await using topology = await startTopology(3, { ...KV, MAX_CONNECTIONS_PER_USER: "1" });
  const [a, b, c] = topology.instances;
  const watcher = await connect(topology, a, "watcher");
  await join(watcher.socket, "general");
  const doomed = await connect(topology, c, "ada");
  await join(doomed.socket, "general");
  await within(CROSSING_DEADLINE_MS, "ada online", presenceOf(watcher.socket, "user:ada", "joins"));
  const refused = await openSocket(b.wsUrl, { token: await topology.token("ada") });
  equal((await refused.closed).code, 4409, "her one connection is on C");

  await c.kill();
  await within(
    CROSSING_DEADLINE_MS,
    "ada's leave once C's heartbeat expired",
    presenceOf(watcher.socket, "user:ada", "leaves"),
  );
  const again = await connect(topology, b, "ada");
  equal(again.hello.type, "hello", "C's count no longer holds her back");
  await again.socket[Symbol.asyncDispose]();
  await watcher.socket[Symbol.asyncDispose]();
  await doomed.socket.closed;
});

Deno.test("topology: with the local engine and no shared channel, presence does not cross", async () => {
  // The same first steps as the presence test above; only the engine differs.
  await using topology = await startTopology(2, { CLUSTER: "local" });
  const [a, b] = topology.instances;
  const bob = await connect(topology, b, "bob");
  equal(bob.hello.features.includes("cluster"), false);
  await join(bob.socket, "general");
  const ada = await connect(topology, a, "ada");
  await join(ada.socket, "general");
  // Absence cannot be awaited: allow what the kv engine needed above many times over.
  const crossed = await Promise.race([
    presenceOf(bob.socket, "user:ada", "joins").then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 2_000)),
  ]);
  equal(crossed, false);
  const dave = await connect(topology, b, "dave");
  deepEqual((await join(dave.socket, "general")).presence.map((user) => user.id).sort(), [
    "user:bob",
    "user:dave",
  ]);
  for (const { socket } of [ada, bob, dave]) await socket[Symbol.asyncDispose]();
});

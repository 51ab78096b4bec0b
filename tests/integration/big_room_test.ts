/**
 * A big room over real sockets: 300 people join one room, one after the
 * other, with `PRESENCE_LIST_MAX=20`. What each join costs must not grow with
 * the room: the joiner's `joined` lists 20 users and counts the rest, so its
 * size stays put; everyone already in gets presence as a count at most once a
 * second, not a frame per join; and `members` pages through all 300. Then the
 * same over the `kv` cluster engine, two instances sharing only a KV database.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { ServerFrame, SessionUser } from "../../lib/protocol/mod.ts";
import { startRoomServer } from "../fault/_room_server.ts";
import { roomTestToken } from "../fault/_room_process.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { CROSSING_DEADLINE_MS, startTopology, within } from "./_topology.ts";

const PEOPLE = 300;
const LIST_MAX = 20;

const person = (index: number): SessionUser => ({
  id: `u-${index}`,
  name: `person-${String(index).padStart(4, "0")}`,
  role: "user",
});

/** A socket that counts every frame it is sent, by type, from the moment it opens. */
async function counted(wsUrl: string, user: SessionUser) {
  const client = await openSocket(wsUrl, { token: await roomTestToken(user) });
  const counts = new Map<string, number>();
  const listener = (event: MessageEvent) => {
    const { type } = JSON.parse(event.data) as ServerFrame;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  };
  client.socket.addEventListener("message", listener);
  return { client, counts };
}

async function pageAll(client: TestSocket, limit: number) {
  const names: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    client.send({ type: "members", room: "general", after, limit });
    const page = await client.nextOf("members");
    equal(page.count, PEOPLE);
    ok(page.users.length <= limit);
    names.push(...page.users.map((user) => user.name));
    if (page.next === null) return names;
    after = page.next;
  }
  throw new Error("paging did not end");
}

Deno.test("300 joins: each costs a bounded joined and no per-join frame to the others", async () => {
  const dir = await Deno.makeTempDir({ prefix: "big_room_" });
  const server = await startRoomServer({
    kvPath: `${dir}/kv`,
    env: {
      PRESENCE_LIST_MAX: String(LIST_MAX),
      MAX_CONNECTIONS_PER_ADDRESS: "1000",
      RATE_BURST: "100",
      RATE_PER_SECOND: "100",
    },
  });
  const sockets: Awaited<ReturnType<typeof counted>>[] = [];
  try {
    const joinedBytes: number[] = [];
    const startedAt: number[] = [];
    for (let index = 0; index < PEOPLE; index++) {
      const socket = await counted(server.wsUrl, person(index));
      sockets.push(socket);
      await socket.client.nextOf("hello");
      startedAt.push(Date.now());
      socket.client.send({ type: "join", room: "general" });
      const joined = await socket.client.nextOf("joined");
      joinedBytes.push(JSON.stringify(joined).length);
      ok(joined.presence.length <= LIST_MAX);
      if (index + 1 > LIST_MAX) {
        equal(joined.presence_count, index + 1);
        deepEqual(
          joined.presence.map((user) => user.name),
          Array.from({ length: LIST_MAX }, (_, first) => person(first).name),
        );
      } else equal(joined.presence_count, undefined);
    }
    const doneAt = Date.now();

    // The joiner's reply does not grow with the room past the bound.
    ok(joinedBytes[PEOPLE - 1] <= joinedBytes[LIST_MAX + 1] + 16, `${joinedBytes}`);

    // Everyone in the room past the bound heard presence at most once a second
    // (plus the last list frame), never once per join: 280 joins happened after them.
    for (const [index, { counts }] of sockets.entries()) {
      if (index < LIST_MAX + 1) continue;
      const seconds = Math.ceil((doneAt - startedAt[index]) / 1_000);
      const presence = counts.get("presence") ?? 0;
      ok(presence <= seconds + 2, `member ${index}: ${presence} frames in ${seconds} s`);
    }
    const heard = sockets.reduce((sum, { counts }) => sum + (counts.get("presence") ?? 0), 0);
    ok(heard < PEOPLE * PEOPLE / 10, `all members heard ${heard} presence frames`);

    // Everyone is listed, by name, whatever the page size; a limit past 200 is refused.
    const [first] = sockets;
    const everyone = Array.from({ length: PEOPLE }, (_, index) => person(index).name);
    deepEqual(await pageAll(first.client, 200), everyone);
    deepEqual(await pageAll(first.client, 7), everyone);
    first.client.send({ type: "members", room: "general", limit: 201, ref: "big" });
    const refusal = await first.client.nextOf("error");
    deepEqual([refusal.code, refusal.ref], ["bad_frame", "big"]);
  } finally {
    await Promise.all(sockets.map(({ client }) => client[Symbol.asyncDispose]()));
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv engine: a big room on two instances counts, summarizes and lists everyone", async () => {
  await using topology = await startTopology(2, { CLUSTER: "kv", PRESENCE_LIST_MAX: "3" });
  const [a, b] = topology.instances;
  const sockets: TestSocket[] = [];
  const names = ["ada", "bob", "cy", "dee", "eve", "fay", "gus"];
  try {
    for (const [index, name] of names.entries()) {
      const instance = index % 2 === 0 ? a : b;
      const socket = await openSocket(instance.wsUrl, { token: await topology.token(name) });
      sockets.push(socket);
      await socket.nextOf("hello");
      socket.send({ type: "join", room: "town" });
      await socket.nextOf("joined");
    }
    // Everyone is counted on both instances once the shares crossed: on b, a member on a
    // hears the count, and `members` lists all seven by name from either.
    const [onA, onB] = [sockets[0], sockets[1]];
    await within(
      CROSSING_DEADLINE_MS,
      "the count of seven on a",
      (async () => {
        for (;;) if ((await onA.nextOf("presence")).count === names.length) return;
      })(),
    );
    for (const socket of [onA, onB]) {
      socket.send({ type: "members", room: "town", limit: 4 });
      const first = await socket.nextOf("members");
      socket.send({ type: "members", room: "town", after: first.next, limit: 4 });
      const second = await socket.nextOf("members");
      deepEqual([...first.users, ...second.users].map((user) => user.name), names);
      deepEqual([first.count, second.next], [names.length, null]);
    }
    const late = await openSocket(b.wsUrl, { token: await topology.token("hal") });
    sockets.push(late);
    await late.nextOf("hello");
    late.send({ type: "join", room: "town" });
    const joined = await late.nextOf("joined");
    deepEqual(joined.presence.map((user) => user.name), ["ada", "bob", "cy"]);
    equal(joined.presence_count, names.length + 1);
  } finally {
    await Promise.all(sockets.map((socket) => socket[Symbol.asyncDispose]()));
  }
});

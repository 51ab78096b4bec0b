/**
 * Read positions and mentions through the real server (second edition):
 * `read` moves the account's position forward only and echoes `read` to its
 * other connections; `joined` and `GET /api/rooms` carry the unread counts
 * and mentions after it; an `@name` of a member becomes the entry's
 * `mentions` and a `mention` frame on every connection of that member.
 */
import { deepEqual, equal } from "node:assert/strict";
import { registerAccount, type SignedIn, signInAccount } from "../_helpers/accounts.ts";
import { ask, connectAs } from "../_helpers/rooms.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import type { RoomListResponse } from "../../lib/protocol/http.ts";
import type { ServerFrameOf } from "../../lib/protocol/frames.ts";

const ROOM = "reading";

/** `who`'s entry of {@linkcode ROOM} in `GET /api/rooms`: its unread and mention counts. */
async function countsOf(server: TestServer, who: SignedIn) {
  const response = await fetch(`${server.origin}/api/rooms`, {
    headers: { authorization: `Bearer ${who.token}` },
  });
  const { rooms } = await response.json() as RoomListResponse;
  const entry = rooms.find((listed) => listed.room === ROOM);
  return { unread: entry?.unread, mentions: entry?.mentions };
}

Deno.test("read state: positions move forward only, echo to the account's other devices, and count unread and mentions", async () => {
  await using server = await startTestServer();
  const phone = await registerAccount(server.origin, "ada");
  const laptop = await signInAccount(server.origin, "ada");
  const bob = await registerAccount(server.origin, "bob");
  await registerAccount(server.origin, "carol");
  await using phoneSocket = await connectAs(server, phone);
  await using laptopSocket = await connectAs(server, laptop);
  await using bobSocket = await connectAs(server, bob);

  const first = await ask(phoneSocket, { type: "join", room: ROOM }) as ServerFrameOf<"joined">;
  deepEqual([first.read_seq, first.unread], [0, 0]);
  equal((await ask(bobSocket, { type: "join", room: ROOM })).type, "joined");
  for (const text of ["@ada look", "and @carol, who is no member", "third"]) {
    const ack = await ask(bobSocket, { type: "send", room: ROOM, text, cid: crypto.randomUUID() });
    equal(ack.type, "ack", JSON.stringify(ack));
  }
  // The laptop joined no room, and hears the mention all the same.
  for (const socket of [phoneSocket, laptopSocket]) {
    const mention = await socket.nextOf("mention");
    deepEqual(
      { ...mention, by: mention.by.name },
      { type: "mention", room: ROOM, seq: 1, by: "bob", text: "@ada look" },
    );
  }
  const history = await ask(bobSocket, { type: "history", room: ROOM }) as ServerFrameOf<"history">;
  deepEqual(history.messages.map((message) => message.mentions), [
    [phone.user.id],
    undefined,
    undefined,
  ]);
  deepEqual(await countsOf(server, phone), { unread: 3, mentions: 1 });

  phoneSocket.send({ type: "read", room: ROOM, seq: 2 });
  deepEqual(await laptopSocket.nextOf("read"), { type: "read", room: ROOM, seq: 2 });
  deepEqual(await countsOf(server, phone), { unread: 1, mentions: 0 });
  deepEqual(await countsOf(server, bob), { unread: 3, mentions: 0 }, "bob's position is his own");

  // Backwards changes nothing and tells nobody; past the head is the head.
  phoneSocket.send({ type: "read", room: ROOM, seq: 1 });
  phoneSocket.send({ type: "read", room: ROOM, seq: 99 });
  deepEqual(await laptopSocket.nextOf("read"), { type: "read", room: ROOM, seq: 3 });
  const again = await ask(laptopSocket, { type: "join", room: ROOM }) as ServerFrameOf<"joined">;
  deepEqual([again.read_seq, again.unread], [3, 0]);

  // Nobody reads a private room they are not in, and learns nothing of it.
  equal(
    (await ask(bobSocket, { type: "create_room", room: "secret", visibility: "private" })).type,
    "joined",
  );
  const refused = await ask(phoneSocket, { type: "read", room: "secret", seq: 1 });
  equal(refused.type === "error" && refused.code, "forbidden");
});

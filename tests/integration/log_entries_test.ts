/**
 * Room log entries through the real server (second edition): `edit`,
 * `delete`, `react` and `send` with `reply_to`, each an entry with the
 * room's next seq that both clients receive as a `message` with its `kind`;
 * who may make which; idempotency by `cid`; the fold in `joined` and
 * `history`; and entries arriving through a resume (`since`) and through the
 * fallback transport.
 */
import { deepEqual, equal } from "node:assert/strict";
import { registerAccount, type SignedIn } from "../_helpers/accounts.ts";
import { ask, connectAs, type Reply } from "../_helpers/rooms.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import type { TestSocket } from "../_helpers/socket.ts";
import { openEventStream } from "./fallback_stream.ts";
import type { Message, ServerFrameOf } from "../../lib/protocol/frames.ts";

const ROOM = "entries";

/** A socket of `who` joined to {@linkcode ROOM}, and its `joined`. */
async function joinedAs(server: TestServer, who: SignedIn, since?: number) {
  const socket = await connectAs(server, who);
  const joined = await ask(socket, { type: "join", room: ROOM, since });
  equal(joined.type, "joined", JSON.stringify(joined));
  return { socket, joined: joined as ServerFrameOf<"joined"> };
}

/** Sends `frame` to {@linkcode ROOM} with a fresh `ref` (and `cid` unless given); its reply. */
function make(socket: TestSocket, frame: Record<string, unknown>): Promise<Reply> {
  return ask(socket, { room: ROOM, cid: crypto.randomUUID(), ...frame });
}

/** The next `message` frame the socket receives. */
function nextMessage(socket: TestSocket): Promise<Message> {
  return socket.nextOf("message");
}

/** The ack's seq, after checking it is one. */
function ackedSeq(reply: Reply): number {
  equal(reply.type, "ack", JSON.stringify(reply));
  return (reply as ServerFrameOf<"ack">).seq;
}

/** A server with ada (owner of {@linkcode ROOM}, a public room) and bob, both signed in. */
async function roomOfTwo() {
  const server = await startTestServer();
  const ada = await registerAccount(server.origin, "ada");
  const bob = await registerAccount(server.origin, "bob");
  const creator = await connectAs(server, ada);
  const created = await ask(creator, { type: "create_room", room: ROOM, visibility: "public" });
  equal(created.type, "joined", JSON.stringify(created));
  await creator[Symbol.asyncDispose]();
  return { server, ada, bob };
}

/** {@linkcode roomOfTwo} with ada and bob joined, each on a socket; disposing closes it all. */
async function bothJoined() {
  const { server, ada, bob } = await roomOfTwo();
  const { socket: adaSocket } = await joinedAs(server, ada);
  const { socket: bobSocket } = await joinedAs(server, bob);
  return {
    server,
    ada,
    bob,
    adaSocket,
    bobSocket,
    async [Symbol.asyncDispose]() {
      await adaSocket[Symbol.asyncDispose]();
      await bobSocket[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
    },
  };
}

/** The parts of an entry a test compares: no ids or times. */
function shapeOf(entry: Message & { type?: string }) {
  const { type: _type, id: _id, cid: _cid, ts: _ts, room: _room, edited_at, user, ...rest } = entry;
  return { ...rest, by: user.name, ...(edited_at === undefined ? {} : { edited: true }) };
}

Deno.test("entries: an edit, a reaction, a reply and a delete reach both clients with the next seqs, and history folds them", async () => {
  await using room = await bothJoined();
  const { server, bob, adaSocket, bobSocket } = room;

  equal(ackedSeq(await make(adaSocket, { type: "send", text: "helo" })), 1);
  equal(ackedSeq(await make(adaSocket, { type: "edit", target: 1, text: "hello" })), 2);
  equal(ackedSeq(await make(bobSocket, { type: "react", target: 1, emoji: "👍", on: true })), 3);
  equal(ackedSeq(await make(bobSocket, { type: "send", text: "hi!", reply_to: 1 })), 4);
  equal(ackedSeq(await make(bobSocket, { type: "delete", target: 4 })), 5);

  const live = [
    { seq: 1, by: "ada", text: "helo" },
    { seq: 2, by: "ada", kind: "edit", target: 1, text: "hello" },
    { seq: 3, by: "bob", kind: "reaction", target: 1, emoji: "👍", on: true },
    { seq: 4, by: "bob", text: "hi!", reply_to: 1 },
    { seq: 5, by: "bob", kind: "delete", target: 4 },
  ];
  for (const socket of [adaSocket, bobSocket]) {
    const received = [];
    while (received.length < live.length) received.push(shapeOf(await nextMessage(socket)));
    deepEqual(received, live);
  }

  const folded = [
    { seq: 1, by: "ada", text: "hello", edited: true, reactions: { "👍": [bob.user.id] } },
    live[1],
    live[2],
    { seq: 4, by: "bob", reply_to: 1, deleted: true },
    live[4],
  ];
  const history = await ask(bobSocket, { type: "history", room: ROOM, limit: 50 });
  deepEqual((history as ServerFrameOf<"history">).messages.map(shapeOf), folded);
  const carol = await registerAccount(server.origin, "carol");
  const { socket: carolSocket, joined } = await joinedAs(server, carol);
  await using _carol = carolSocket;
  deepEqual(joined.messages.map(shapeOf), folded);
});

Deno.test("entries: only the author edits, moderators delete others' messages, and a target must be a live message", async () => {
  await using room = await bothJoined();
  const { bob, adaSocket, bobSocket } = room;
  equal(ackedSeq(await make(adaSocket, { type: "send", text: "ada's" })), 1);
  equal(ackedSeq(await make(bobSocket, { type: "send", text: "bob's" })), 2);

  const refused = async (socket: TestSocket, frame: Record<string, unknown>, code: string) => {
    const reply = await make(socket, frame);
    equal(reply.type, "error", JSON.stringify(reply));
    equal((reply as ServerFrameOf<"error">).code, code, JSON.stringify(reply));
  };
  await refused(bobSocket, { type: "edit", target: 1, text: "mine now" }, "forbidden");
  await refused(bobSocket, { type: "delete", target: 1 }, "forbidden");
  await refused(adaSocket, { type: "edit", target: 99, text: "x" }, "bad_request");
  await refused(adaSocket, { type: "react", target: 0, emoji: "👍", on: true }, "bad_request");
  await refused(adaSocket, { type: "react", target: 1, emoji: "<b>", on: true }, "bad_frame");
  // The owner deletes bob's message; then nothing targets it any more.
  equal(ackedSeq(await make(adaSocket, { type: "delete", target: 2 })), 3);
  await refused(bobSocket, { type: "edit", target: 2, text: "back" }, "bad_request");
  await refused(bobSocket, { type: "react", target: 2, emoji: "👍", on: true }, "bad_request");
  await refused(bobSocket, { type: "send", text: "re", reply_to: 2 }, "bad_request");
  await refused(
    bobSocket,
    { type: "edit", target: 3, text: "a delete is no message" },
    "bad_request",
  );

  // The same cid twice: one entry, the same ack.
  const frame = { type: "react", target: 1, emoji: "🎉", on: true, cid: "once" };
  const first = await make(bobSocket, frame);
  const again = await make(bobSocket, frame);
  deepEqual({ ...again, ref: "" }, { ...first, ref: "" });
  equal(ackedSeq(first), 4);
  equal(ackedSeq(await make(bobSocket, { type: "send", text: "next" })), 5);
  const history = await ask(adaSocket, { type: "history", room: ROOM, limit: 50 });
  const messages = (history as ServerFrameOf<"history">).messages;
  deepEqual(messages.map((message) => message.seq), [1, 2, 3, 4, 5]);
  deepEqual(messages[0].reactions, { "🎉": [bob.user.id] });
  equal(messages[0].text, "ada's");
});

Deno.test("entries: changes made while a client was away arrive in its resume", async () => {
  const { server, ada, bob } = await roomOfTwo();
  await using _server = server;
  const { socket: adaSocket } = await joinedAs(server, ada);
  await using _ada = adaSocket;
  const away = await joinedAs(server, bob);
  equal(ackedSeq(await make(adaSocket, { type: "send", text: "first" })), 1);
  equal(ackedSeq(await make(adaSocket, { type: "send", text: "second" })), 2);
  equal((await nextMessage(away.socket)).seq, 1);
  equal((await nextMessage(away.socket)).seq, 2);
  await away.socket[Symbol.asyncDispose]();

  equal(ackedSeq(await make(adaSocket, { type: "edit", target: 1, text: "first!" })), 3);
  equal(ackedSeq(await make(adaSocket, { type: "react", target: 2, emoji: "👀", on: true })), 4);
  equal(ackedSeq(await make(adaSocket, { type: "delete", target: 2 })), 5);

  const { socket, joined } = await joinedAs(server, bob, 2);
  await using _back = socket;
  equal(joined.recovered, true);
  deepEqual(joined.messages.map(shapeOf), [
    { seq: 3, by: "ada", kind: "edit", target: 1, text: "first!" },
    { seq: 4, by: "ada", kind: "reaction", target: 2, emoji: "👀", on: true },
    { seq: 5, by: "ada", kind: "delete", target: 2 },
  ]);
});

Deno.test("entries: through the fallback transport, entries are made and received like over a socket", async () => {
  const { server, ada, bob } = await roomOfTwo();
  await using _server = server;
  const { socket: adaSocket } = await joinedAs(server, ada);
  await using _ada = adaSocket;
  await using stream = await openEventStream(server.origin, bob.token);
  equal((await stream.post({ type: "join", room: ROOM })).status, 202);
  await stream.nextOf("joined");

  equal(ackedSeq(await make(adaSocket, { type: "send", text: "over the stream" })), 1);
  equal((await stream.nextOf("message")).text, "over the stream");
  await stream.post([
    { type: "react", room: ROOM, target: 1, emoji: "👍", on: true, cid: "r1" },
    { type: "send", room: ROOM, text: "yes", reply_to: 1, cid: "s1" },
  ]);
  const acks: number[] = [];
  const received: ReturnType<typeof shapeOf>[] = [];
  const readUntil = async (done: () => boolean) => {
    while (!done()) {
      const frame = await stream.next();
      if (frame.type === "ack") acks.push(frame.seq);
      if (frame.type === "message") received.push(shapeOf(frame));
    }
  };
  await readUntil(() => acks.length === 2);
  deepEqual(acks, [2, 3]);
  equal(ackedSeq(await make(adaSocket, { type: "edit", target: 1, text: "edited" })), 4);
  await readUntil(() => received.length === 3);
  deepEqual(received, [
    { seq: 2, by: "bob", kind: "reaction", target: 1, emoji: "👍", on: true },
    { seq: 3, by: "bob", text: "yes", reply_to: 1 },
    { seq: 4, by: "ada", kind: "edit", target: 1, text: "edited" },
  ]);
});

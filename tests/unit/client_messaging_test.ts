/**
 * Rooms and the outbox through the real client: optimistic sends, acks, resend
 * order after reconnects and reloads, gap detection, resume with `since`,
 * search (its refusals carry the server's code) and reading history back to
 * a message (`reveal`).
 */
import assert from "node:assert/strict";
import { createMemoryOutboxStore, type OutboxStore } from "../../lib/client/outbox_store.ts";
import { RequestError } from "../../lib/client/pending_requests.ts";
import { createClientHarness, type FakeSocket } from "../../lib/client/testing.ts";
import { FEATURES, type Message, type ServerFrameOf } from "../../lib/protocol/mod.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };
const bob = { id: "u-bob", name: "bob", role: "user" as const };

function message(seq: number, user = bob, cid = `c${seq}`, text = `#${seq}`): Message {
  return { room: "general", seq, id: `m${seq}`, cid, user, text, ts: seq };
}

function joined(socket: FakeSocket, head: number, messages: Message[] = [], recovered = false) {
  socket.receive({ type: "joined", room: "general", head, recovered, messages, presence: [ada] });
}

/** A client that joined `general` and connected (its `joined` not yet answered). */
async function connectedInGeneral() {
  const h = createClientHarness();
  h.client.join("general");
  h.client.connect();
  return { h, socket: await h.openSocket() };
}

/** The server refuses the request sent with `ref`, for now. */
function refuse(socket: FakeSocket, ref: unknown, code: "internal" | "rate_limited") {
  socket.receive({ type: "error", code, message: "try again", recoverable: true, ref: `${ref}` });
}

/** The server restarts: the socket closes, and the client's next one opens after its wait. */
async function restart(
  h: ReturnType<typeof createClientHarness>,
  socket: FakeSocket,
  hello?: Partial<ServerFrameOf<"hello">>,
) {
  socket.serverClose(1012, "restart");
  h.clock.advance(h.client.nextRetryAt.value! - h.clock.now());
  return await h.openSocket(hello);
}

const view = (h: ReturnType<typeof createClientHarness>) =>
  h.client.room("general")!.messages.value.map((m) => `${m.text}:${m.status}:${m.seq}`);

Deno.test("a send shows pending, goes out after joined, then shows sent exactly once", async () => {
  const h = createClientHarness();
  const { client } = h;
  client.join("general");
  const entry = client.send("general", "hello");
  assert.deepEqual(view(h), ["hello:pending:null"]);
  assert.equal(client.outboxSize.value, 1);

  client.connect();
  const socket = await h.openSocket();
  assert.deepEqual(socket.sentOfType("join"), [{ type: "join", room: "general" }]);
  assert.deepEqual(socket.sentOfType("send"), [], "not before joined");
  joined(socket, 2, [message(1), message(2)]);
  assert.deepEqual(socket.sentOfType("send"), [
    { type: "send", room: "general", text: "hello", cid: entry.cid, ref: entry.cid },
  ]);
  socket.receive({ type: "ack", cid: entry.cid, room: "general", seq: 3, ts: 30 });
  assert.equal(client.outboxSize.value, 0);
  assert.deepEqual(view(h), ["#1:sent:1", "#2:sent:2", "hello:sent:3"]);
  socket.receive({ type: "message", ...message(3, ada, entry.cid, "hello") });
  assert.deepEqual(view(h), ["#1:sent:1", "#2:sent:2", "hello:sent:3"]);
  assert.equal(client.room("general")!.messages.value[2].own, true);
  client.dispose();
});

Deno.test("the broadcast of an own message settles the outbox even if the ack is lost", async () => {
  const { h, socket } = await connectedInGeneral();
  joined(socket, 0);
  const entry = h.client.send("general", "hi");
  socket.receive({ type: "message", ...message(1, ada, entry.cid, "hi") });
  assert.equal(h.client.outboxSize.value, 0);
  assert.deepEqual(view(h), ["hi:sent:1"]);
  h.client.dispose();
});

Deno.test("after a reconnect, rejoin with since and resend unacked sends in order", async () => {
  const h = createClientHarness({ backoff: "immediate" });
  const { client } = h;
  client.join("general");
  client.connect();
  const first = await h.openSocket();
  joined(first, 4, [message(3), message(4)]);
  const cids = ["one", "two", "three"].map((text) => client.send("general", text).cid);
  first.receive({ type: "ack", cid: cids[0], room: "general", seq: 5, ts: 5 });
  first.serverClose(1006);

  h.clock.advance(0);
  const second = await h.openSocket();
  assert.deepEqual(second.sentOfType("join"), [{ type: "join", room: "general", since: 5 }]);
  joined(second, 6, [message(6)], true);
  assert.deepEqual(second.sentOfType("send").map((f) => f.cid), [cids[1], cids[2]]);
  second.receive({ type: "ack", cid: cids[1], room: "general", seq: 7, ts: 7 });
  second.receive({ type: "ack", cid: cids[2], room: "general", seq: 8, ts: 8 });
  assert.deepEqual(view(h), [
    "#3:sent:3",
    "#4:sent:4",
    "one:sent:5",
    "#6:sent:6",
    "two:sent:7",
    "three:sent:8",
  ]);
  client.dispose();
});

Deno.test("after a reload, the stored outbox joins its rooms and resends in order", async () => {
  const memory = createMemoryOutboxStore();
  const { promise: bothStored, resolve } = Promise.withResolvers<void>();
  let puts = 0;
  const store: OutboxStore = {
    ...memory,
    put: (entry) => memory.put(entry).then(() => void (++puts === 2 && resolve())),
  };
  const before = createClientHarness({ outboxStore: store });
  before.client.join("general");
  before.client.send("general", "first");
  before.client.send("general", "second");
  before.client.dispose(); // the page goes away before ever connecting
  await bothStored;

  const after = createClientHarness({ outboxStore: store });
  after.client.connect();
  const socket = await after.openSocket();
  assert.deepEqual(after.client.rooms.value, ["general"]);
  assert.deepEqual(socket.sentOfType("join"), [{ type: "join", room: "general" }]);
  joined(socket, 0);
  assert.deepEqual(socket.sentOfType("send").map((f) => f.text), ["first", "second"]);
  assert.deepEqual(view(after), ["first:pending:null", "second:pending:null"]);
  after.client.dispose();
});

Deno.test("a send fails after bounded tries and can be retried", async () => {
  const h = createClientHarness({ backoff: "immediate", maxSendTries: 2 });
  h.client.join("general");
  h.client.connect();
  for (let connection = 1; connection <= 3; connection++) {
    const socket = await h.openSocket();
    joined(socket, 0);
    if (connection === 1) h.client.send("general", "unlucky");
    socket.serverClose(1006);
    h.clock.advance(0);
  }
  const [entry] = h.client.outbox.value;
  assert.equal(entry.status, "failed");
  assert.equal(entry.tries, 2);
  assert.deepEqual(view(h), ["unlucky:failed:null"]);

  const socket = await h.openSocket();
  joined(socket, 0);
  assert.deepEqual(socket.sentOfType("send"), []);
  h.client.retry(entry.cid);
  assert.deepEqual(socket.sentOfType("send").map((f) => f.cid), [entry.cid]);
  assert.deepEqual(view(h), ["unlucky:pending:null"]);
  h.client.dispose();
});

Deno.test("error replies: unrecoverable fails the send, rate_limited resends later", async () => {
  const { h, socket } = await connectedInGeneral();
  joined(socket, 0);
  const big = h.client.send("general", "too big");
  const fast = h.client.send("general", "too fast");
  socket.receive({
    type: "error",
    code: "too_large",
    message: "frame too large",
    recoverable: false,
    ref: big.cid,
  });
  socket.receive({
    type: "error",
    code: "rate_limited",
    message: "slow down",
    recoverable: true,
    retry_after_ms: 800,
    ref: fast.cid,
  });
  assert.equal(h.client.outbox.value[0].status, "failed");
  assert.equal(h.client.outbox.value[0].error, "frame too large");
  assert.equal(socket.sentOfType("send").length, 2);
  h.clock.advance(800);
  assert.deepEqual(socket.sentOfType("send").map((f) => f.text), [
    "too big",
    "too fast",
    "too fast",
  ]);
  h.client.dispose();
});

Deno.test("sendTrouble: the server's failure to store a send shows until a send is acked", async () => {
  const { h, socket } = await connectedInGeneral();
  joined(socket, 0);
  const first = h.client.send("general", "while the database is away");
  refuse(socket, first.cid, "rate_limited");
  assert.equal(h.client.sendTrouble.value, null, "a rate limit is this sender's, not the server's");
  refuse(socket, first.cid, "internal");
  assert.equal(h.client.sendTrouble.value, "internal: try again");
  assert.equal(h.client.outboxSize.value, 1, "the message waits in the outbox");
  h.clock.advance(1_000);
  const resent = socket.sentOfType("send").at(-1)!;
  assert.equal(resent.cid, first.cid, "resent with the same cid");
  socket.receive({ type: "ack", cid: first.cid, room: "general", seq: 1, ts: 1 });
  assert.equal(h.client.sendTrouble.value, null);
  assert.equal(h.client.outboxSize.value, 0);
  h.client.dispose();
});

Deno.test("a seq gap while connected asks history for exactly the gap", async () => {
  const { h, socket } = await connectedInGeneral();
  joined(socket, 3, [message(1), message(2), message(3)]);
  socket.receive({ type: "message", ...message(6) });
  socket.receive({ type: "message", ...message(7) });
  const requests = socket.sentOfType("history");
  assert.deepEqual(requests, [
    { type: "history", room: "general", before: 6, limit: 2, ref: requests[0]?.ref },
  ], "one request for the gap, not one per message");
  assert.equal(typeof requests[0].ref, "string");
  socket.receive({
    type: "history",
    room: "general",
    messages: [message(4), message(5)],
    more: true,
    ref: requests[0].ref as string,
  });
  assert.deepEqual(h.client.room("general")!.messages.value.map((m) => m.seq), [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
  ]);
  assert.equal(socket.sentOfType("history").length, 1);
  assert.equal(h.client.room("general")!.hasOlder.value, false, "a gap reply is not an older page");
  h.client.dispose();
});

Deno.test("a gap whose request failed or whose connection ended is asked again", async () => {
  const { h, socket: first } = await connectedInGeneral();
  joined(first, 3, [message(3)]);
  first.receive({ type: "message", ...message(6) });
  const [gap] = first.sentOfType("history");
  refuse(first, gap.ref, "internal");
  first.receive({ type: "message", ...message(7) });
  assert.deepEqual(first.sentOfType("history").map((f) => f.before), [6, 6], "asked again");

  const second = await restart(h, first);
  joined(second, 3, [], true);
  assert.deepEqual(second.sentOfType("history").map((f) => f.before), [6]);
  h.client.dispose();
});

Deno.test("loadOlder asks for the page before the oldest message", async () => {
  const { h, socket } = await connectedInGeneral();
  joined(socket, 60, [message(59), message(60)]);
  const room = h.client.room("general")!;
  assert.equal(room.hasOlder.value, true);
  h.client.loadOlder("general");
  h.client.loadOlder("general"); // already loading: ignored
  assert.equal(room.loadingOlder.value, true);
  const requests = socket.sentOfType("history");
  assert.deepEqual(requests, [
    { type: "history", room: "general", before: 59, limit: 50, ref: requests[0]?.ref },
  ]);
  socket.receive({
    type: "history",
    room: "general",
    messages: [message(58)],
    more: false,
    ref: requests[0].ref as string,
  });
  assert.equal(room.loadingOlder.value, false);
  assert.equal(room.hasOlder.value, false);
  assert.deepEqual(room.messages.value.map((m) => m.seq), [58, 59, 60]);
  h.client.dispose();
});

Deno.test("an older page stops loading on its error or when the connection ends", async () => {
  const { h, socket: first } = await connectedInGeneral();
  joined(first, 60, [message(60)]);
  const room = h.client.room("general")!;
  h.client.loadOlder("general");
  const [request] = first.sentOfType("history");
  refuse(first, request.ref, "rate_limited");
  assert.equal(room.loadingOlder.value, false);
  assert.equal(h.client.lastError.value, "rate_limited: try again");

  h.client.loadOlder("general");
  assert.equal(room.loadingOlder.value, true);
  const second = await restart(h, first);
  assert.equal(room.loadingOlder.value, false, "no reply can come on a closed connection");
  joined(second, 60, [], true);
  h.client.loadOlder("general");
  assert.equal(second.sentOfType("history").length, 1, "so it can be asked again");
  h.client.dispose();
});

Deno.test("presence and typing reach the room's signals; typing is throttled", async () => {
  const { h, socket } = await connectedInGeneral();
  joined(socket, 0);
  socket.receive({ type: "presence", room: "general", joins: [bob], leaves: [] });
  socket.receive({ type: "typing", room: "general", user: bob });
  const room = h.client.room("general")!;
  assert.deepEqual(room.presence.value, [ada, bob]);
  assert.deepEqual(room.typing.value, [bob]);
  h.client.typing("general");
  h.client.typing("general");
  h.clock.advance(3_000);
  h.client.typing("general");
  assert.equal(socket.sentOfType("typing").length, 2);
  h.client.dispose();
});

Deno.test("bad input throws a clear error and changes nothing", () => {
  const h = createClientHarness();
  assert.throws(() => h.client.join("Not A Room"), /bad room name/);
  assert.throws(() => h.client.send("general", "hi"), /join "general" before sending/);
  h.client.join("general");
  assert.throws(() => h.client.send("general", "   "), /needs some text/);
  assert.throws(() => h.client.send("general", "x".repeat(4_001)), /at most 4000/);
  assert.equal(h.client.outboxSize.value, 0);
  assert.deepEqual(h.client.rooms.value, ["general"]);
  h.client.leave("general");
  assert.deepEqual(h.client.rooms.value, []);
  assert.equal(h.client.room("general"), undefined);
  h.client.dispose();
});

/** A server that pages catch-ups forward: it lists `history_after`, as this one does. */
const PAGING_SERVER = { features: [...FEATURES] };

Deno.test("a paged rejoin (more: true) is filled with history after, page by page, then stops", async () => {
  const h = createClientHarness({ backoff: "immediate" });
  h.client.join("general");
  h.client.connect();
  const first = await h.openSocket(PAGING_SERVER);
  joined(first, 2, [message(1), message(2)]);
  const second = await restart(h, first, PAGING_SERVER);
  assert.deepEqual(second.sentOfType("join"), [{ type: "join", room: "general", since: 2 }]);
  second.receive({
    type: "joined",
    room: "general",
    head: 250,
    recovered: true,
    messages: [3, 4, 5].map((seq) => message(seq)),
    presence: [ada],
    more: true,
  });
  /** Answers the last history request with the messages `from` to `through`. */
  const answer = (from: number, through: number, more: boolean) =>
    second.receive({
      type: "history",
      room: "general",
      messages: Array.from({ length: through - from + 1 }, (_, i) => message(from + i)),
      more,
      ref: String(second.sentOfType("history").at(-1)?.ref),
    });
  const asked = () => second.sentOfType("history").map(({ ref: _ref, ...frame }) => frame);
  assert.deepEqual(asked(), [{ type: "history", room: "general", after: 5, limit: 200 }]);
  answer(6, 205, true);
  assert.deepEqual(asked().at(-1), { type: "history", room: "general", after: 205, limit: 45 });
  answer(206, 250, false);
  assert.equal(asked().length, 2, "caught up: nothing more asked");
  const seqs = h.client.room("general")!.messages.value.map((m) => m.seq);
  assert.deepEqual(seqs, Array.from({ length: 250 }, (_, i) => i + 1));
  h.client.dispose();
});

Deno.test("a refused gap request is asked again after retry_after_ms, even with nothing new", async () => {
  const h = createClientHarness();
  h.client.join("general");
  h.client.connect();
  const socket = await h.openSocket(PAGING_SERVER);
  joined(socket, 3, [message(1), message(2), message(3)]);
  socket.receive({ type: "message", ...message(6) });
  const [request] = socket.sentOfType("history");
  socket.receive({
    type: "error",
    code: "rate_limited",
    message: "too many frames; slow down",
    recoverable: true,
    retry_after_ms: 400,
    ref: String(request.ref),
  });
  h.clock.advance(399);
  assert.equal(socket.sentOfType("history").length, 1);
  h.clock.advance(1);
  const asked = socket.sentOfType("history").map(({ ref: _ref, ...frame }) => frame);
  assert.deepEqual(asked, [
    { type: "history", room: "general", after: 3, limit: 2 },
    { type: "history", room: "general", after: 3, limit: 2 },
  ]);
  h.client.dispose();
});

Deno.test("search answers with the messages found, or rejects with the server's code", async () => {
  const { h, socket } = await connectedInGeneral();
  const found = h.client.search("release notes");
  const asked = socket.sentOfType("search").at(-1)!;
  assert.deepEqual([asked.q, asked.room], ["release notes", undefined]);
  socket.receive({
    type: "search_results",
    q: "release notes",
    messages: [message(4)],
    more: false,
    ref: asked.ref,
  });
  assert.deepEqual(await found, [message(4)]);

  const limited = h.client.search("again", "general");
  const again = socket.sentOfType("search").at(-1)!;
  assert.equal(again.room, "general");
  socket.receive({
    type: "error",
    code: "rate_limited",
    message: "too many searches",
    recoverable: true,
    retry_after_ms: 1_500,
    ref: again.ref,
  });
  const error = await limited.catch((error) => error);
  assert.ok(error instanceof RequestError);
  assert.deepEqual([error.message, error.code, error.retryAfterMs], [
    "too many searches",
    "rate_limited",
    1_500,
  ]);
  h.client.dispose();
});

Deno.test("reveal reads older pages back to a message, and stops at the room's start", async () => {
  const { h, socket } = await connectedInGeneral();
  joined(socket, 120, Array.from({ length: 50 }, (_, i) => message(71 + i)));
  const revealing = h.client.reveal("general", 30);
  const page = socket.sentOfType("history").at(-1)!;
  assert.deepEqual([page.before, page.limit], [71, 200]);
  socket.receive({
    type: "history",
    room: "general",
    messages: Array.from({ length: 70 }, (_, i) => message(1 + i)),
    more: false,
    ref: page.ref,
  });
  assert.equal(await revealing, true);
  assert.equal(await h.client.reveal("general", 71), true, "held already: nothing asked");
  assert.equal(await h.client.reveal("general", 500), false, "never in the room");
  assert.equal(socket.sentOfType("history").length, 1);
  h.client.dispose();
});

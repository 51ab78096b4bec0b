/**
 * Catch-up paging: a `join` with `since` carries at most `JOIN_PAGE_MAX`
 * messages (and at most `MAX_REPLY_BYTES`), the oldest after `since`, with
 * `more: true`; `history` `after` pages through the rest, each message once, in
 * order. Over the WebSocket and over the fallback alike.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { ServerFrame, ServerFrameOf } from "../../lib/protocol/mod.ts";
import { createMessageStore } from "../../lib/server/store/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { openEventStream } from "./fallback_stream.ts";

const author = { id: "user:seed", name: "seed", role: "user" as const };

/** Commits `count` messages of `text` to `room` through a second store on the server's KV. */
async function seed(server: TestServer, room: string, count: number, text = "hello") {
  const store = createMessageStore(server.kv, {
    historyMax: 10_000,
    clock: createVirtualClock(1_000),
  });
  await Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        store.commit({ room, user: author, text: `${text} ${index + 1}`, cid: `seed-${index}` }),
    ),
  );
}

/** What a client of either transport needs here: send a frame, take the next of a type. */
interface Client {
  send(frame: unknown): Promise<unknown>;
  nextOf<T extends ServerFrame["type"]>(type: T): Promise<ServerFrameOf<T>>;
}

async function socketClient(server: TestServer, name: string): Promise<Client & AsyncDisposable> {
  const { token } = await server.services.tokens.sign({ id: `user:${name}`, name, role: "user" });
  const socket = await openSocket(server.wsUrl, { token });
  await socket.nextOf("hello");
  return {
    send: (frame) => Promise.resolve(socket.send(frame)),
    nextOf: socket.nextOf,
    [Symbol.asyncDispose]: socket[Symbol.asyncDispose],
  };
}

async function streamClient(server: TestServer, name: string): Promise<Client & AsyncDisposable> {
  const { token } = await server.services.tokens.sign({ id: `user:${name}`, name, role: "user" });
  const stream = await openEventStream(server.origin, token);
  return {
    async send(frame) {
      equal((await stream.post(frame)).status, 202);
    },
    nextOf: stream.nextOf,
    [Symbol.asyncDispose]: stream[Symbol.asyncDispose],
  };
}

/** Joins with `since`, then pages with `history` `after` until `more` is false; every seq seen. */
async function catchUp(client: Client, room: string, since: number) {
  await client.send({ type: "join", room, since });
  const joined = await client.nextOf("joined");
  const pages = [joined.messages.map(({ seq }) => seq)];
  let more = joined.more === true;
  let after = joined.messages.at(-1)?.seq ?? since;
  while (more) {
    await client.send({ type: "history", room, after, limit: 200 });
    const page = await client.nextOf("history");
    pages.push(page.messages.map(({ seq }) => seq));
    more = page.more;
    after = page.messages.at(-1)?.seq ?? after;
  }
  return { joined, pages, seqs: pages.flat() };
}

function range(from: number, through: number) {
  return Array.from({ length: through - from + 1 }, (_, index) => from + index);
}

for (
  const [transport, connect] of [["websocket", socketClient], ["fallback", streamClient]] as const
) {
  Deno.test(`${transport}: a join since catches up JOIN_PAGE_MAX at a time; after pages the rest once, in order`, async () => {
    await using server = await startTestServer({
      env: { JOIN_PAGE_MAX: "10", RATE_BURST: "100", RATE_PER_SECOND: "100" },
    });
    await seed(server, "paged", 35);
    await using client = await connect(server, "ada");

    const { joined, pages, seqs } = await catchUp(client, "paged", 3);
    equal(joined.head, 35);
    ok(joined.recovered);
    equal(joined.more, true);
    deepEqual(pages[0], range(4, 13), "the oldest page right after since");
    deepEqual(seqs, range(4, 35), "every message after since, once, in order");

    // Caught up: no `more` at all, as the contract's joined reads.
    await client.send({ type: "join", room: "paged", since: 35 });
    const upToDate = await client.nextOf("joined");
    equal("more" in upToDate, false);
    deepEqual(upToDate.messages, []);
  });

  Deno.test(`${transport}: replies stay under MAX_REPLY_BYTES; paging still returns every message`, async () => {
    await using server = await startTestServer({
      env: {
        MAX_REPLY_BYTES: "16384",
        SLOW_CONSUMER_BYTES: "65536",
        RATE_BURST: "100",
        RATE_PER_SECOND: "100",
      },
    });
    // About 2 KB of JSON each: 8 to a reply at most.
    await seed(server, "big", 40, "x".repeat(2_000));
    await using client = await connect(server, "ada");

    const { pages, seqs } = await catchUp(client, "big", 0);
    deepEqual(seqs, range(1, 40));
    ok(pages.length >= 5, `${pages.length} pages`);
    ok(pages.every((page) => page.length >= 1 && page.length <= 8), JSON.stringify(pages));

    // `before` keeps the newest that fit and says older ones are left.
    await client.send({ type: "history", room: "big", limit: 200 });
    const newest = await client.nextOf("history");
    equal(newest.more, true);
    equal(newest.messages.at(-1)?.seq, 40);
    ok(newest.messages.length <= 8);
    const bytes = new TextEncoder().encode(JSON.stringify(newest)).byteLength;
    ok(bytes <= 16_384, `${bytes} bytes`);
  });

  Deno.test(`${transport}: after and before together are a bad frame`, async () => {
    await using server = await startTestServer();
    await using client = await connect(server, "ada");
    await client.send({ type: "history", room: "general", before: 9, after: 2, ref: "both" });
    const error = await client.nextOf("error");
    deepEqual(
      { code: error.code, message: error.message, ref: error.ref },
      { code: "bad_frame", message: "after: cannot be combined with before", ref: "both" },
    );
  });
}

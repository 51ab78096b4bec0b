/**
 * The second edition's messages on PostgreSQL, through two real servers
 * sharing one database: entries made on one arrive folded in history on the
 * other, a delete leaves no text of the message in the database, a read
 * position and a mention reach the account's connections on the other
 * server, and search is PostgreSQL's full-text search over the log.
 */
import { deepEqual, equal } from "node:assert/strict";
import { registerAccount, signInAccount } from "../_helpers/accounts.ts";
import { ask, connectAs } from "../_helpers/rooms.ts";
import { startTestServer } from "../_helpers/server.ts";
import { privatePostgres } from "../_helpers/postgres.ts";
import { connectPostgres } from "../../lib/server/postgres/mod.ts";
import type { ServerFrameOf } from "../../lib/protocol/frames.ts";

const pg = privatePostgres();

if (pg) {
  Deno.test("on PostgreSQL, entries, read positions, mentions and search hold across servers", async () => {
    const url = await pg.database();
    const env = { DATABASE_URL: url, METRICS_TOKEN: "metrics-secret" };
    await using a = await startTestServer({ env });
    await using b = await startTestServer({ env });
    const phone = await registerAccount(a.origin, "ada");
    const laptop = await signInAccount(b.origin, "ada");
    const bob = await registerAccount(b.origin, "bob");
    await using phoneSocket = await connectAs(a, phone);
    await using laptopSocket = await connectAs(b, laptop);
    await using bobSocket = await connectAs(b, bob);
    for (const socket of [phoneSocket, bobSocket]) {
      equal((await ask(socket, { type: "join", room: "pg" })).type, "joined");
    }
    const make = async (socket: typeof bobSocket, frame: Record<string, unknown>) => {
      const reply = await ask(socket, { room: "pg", cid: crypto.randomUUID(), ...frame });
      equal(reply.type, "ack", JSON.stringify(reply));
      return (reply as ServerFrameOf<"ack">).seq;
    };
    equal(await make(bobSocket, { type: "send", text: "@ada the release is friday" }), 1);
    const mention = await laptopSocket.nextOf("mention");
    deepEqual([mention.seq, mention.by.name], [1, "bob"]);
    equal(await make(phoneSocket, { type: "send", text: "secret words here" }), 2);
    equal(await make(phoneSocket, { type: "edit", target: 2, text: "more secret words" }), 3);
    equal(await make(bobSocket, { type: "react", target: 1, emoji: "🚀", on: true }), 4);
    equal(await make(phoneSocket, { type: "delete", target: 2 }), 5);

    const history = await ask(bobSocket, { type: "history", room: "pg" }) as ServerFrameOf<
      "history"
    >;
    const [first, second] = history.messages;
    deepEqual([first.text, first.mentions, first.reactions], [
      "@ada the release is friday",
      [phone.user.id],
      { "🚀": [bob.user.id] },
    ]);
    deepEqual([second.deleted, second.text], [true, undefined]);
    const pool = await connectPostgres({ url, poolSize: 1 });
    try {
      const rows = await pool.sql`select seq from room_messages where text like '%secret%'`;
      equal(rows.length, 0, "no text of the deleted message is kept");
    } finally {
      await pool.close();
    }

    phoneSocket.send({ type: "read", room: "pg", seq: 5 });
    deepEqual(await laptopSocket.nextOf("read"), { type: "read", room: "pg", seq: 5 });

    const found = await ask(laptopSocket, { type: "search", q: "Release FRIDAY" });
    equal(found.type, "search_results", JSON.stringify(found));
    deepEqual((found as ServerFrameOf<"search_results">).messages.map((m) => m.seq), [1]);
    const none = await ask(laptopSocket, { type: "search", q: "secret" });
    deepEqual((none as ServerFrameOf<"search_results">).messages, []);
  });
}

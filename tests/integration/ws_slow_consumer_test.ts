import { equal, ok } from "node:assert/strict";
import { startTestServer, type TestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { maskedTextFrame, openRawSocket, readCloseCode, writeAll } from "../_helpers/raw_socket.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";
import { createLogger, type LogFields } from "../../lib/server/log.ts";

// The default bound (1 MiB): the sender, who reads, must stay under it through each burst.
const ENV = {
  MAX_FRAME_BYTES: "1048576",
  MAX_TEXT_CHARS: "15000",
  RATE_BURST: "100000",
};

async function tokenFor(server: TestServer, name: string) {
  return (await server.services.tokens.sign({ id: `user:${name}`, name, role: "user" })).token;
}

/** A sender in `general` that sends big messages until `stop` says enough. */
async function flood(server: TestServer, stop: () => boolean) {
  await using sender = await openSocket(server.wsUrl, { token: await tokenFor(server, "ada") });
  await sender.nextOf("hello");
  sender.send({ type: "join", room: "general" });
  await sender.nextOf("joined");
  const text = "x".repeat(15_000);
  // Sent 20 at a time, so that the kernel's buffers fill in a few round trips.
  for (let batch = 0; !stop(); batch++) {
    for (let i = 0; i < 20; i++) {
      sender.send({ type: "send", room: "general", text, cid: `c${batch}-${i}` });
    }
    for (let i = 0; i < 20; i++) await sender.nextOf("ack");
  }
}

Deno.test("a socket over the backlog bound is closed with 1008 at the next frame, not later", async () => {
  const warnings: LogFields[] = [];
  const log = createLogger({ level: "warn", sink: (line) => warnings.push(JSON.parse(line)) });
  // Virtual time that never moves: the close must not wait for any timer.
  await using server = await startTestServer({
    clock: createVirtualClock(1_800_000_000_000),
    env: ENV,
    log,
  });
  const { hub } = server.services;
  const raw = await openRawSocket(server.port, await tokenFor(server, "slow"));
  try {
    await writeAll(raw, maskedTextFrame(JSON.stringify({ type: "join", room: "general" })));
    while (![...hub.connections].some((connection) => connection.rooms.has("general"))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const slow = [...hub.connections].find((connection) => connection.user.id === "user:slow")!;

    // The raw client never reads: once the kernel's buffers are full, the server's backlog
    // grows, and the first message that would queue onto a backlog over the bound closes it.
    await flood(server, () => slow.state !== "open");
    const [closed] = warnings.filter(({ event }) => event === "ws.slow_consumer");
    equal(closed.user, "user:slow");
    equal(closed.code, 1008);
    const backlog = closed.backlog as number;
    ok(backlog > 1024 * 1024, `closed at a backlog of ${backlog} bytes, over the bound`);
    ok(backlog < 1024 * 1024 + 16_000, "at the first frame past it: one message at most");
    equal(await readCloseCode(raw), 1008);
  } finally {
    raw.close();
  }
  equal(server.services.metrics.slowConsumerCloses.value, 1);
});

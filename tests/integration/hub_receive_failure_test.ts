import { equal, ok } from "node:assert/strict";
import type { LogFields, Logger } from "../../lib/server/log.ts";
import { startTestServer } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { openEventStream } from "./fallback_stream.ts";

/** A logger that fails the way a closed standard output does, on one event. */
function failingOn(failingEvent: string) {
  const errors: { event: string; fields?: LogFields }[] = [];
  const write = (event: string) => {
    if (event === failingEvent) throw new Error("EPIPE: the log's output is gone");
  };
  const log: Logger = {
    debug: write,
    info: write,
    warn: write,
    error: (event, fields) => void errors.push({ event, fields }),
    flush() {},
  };
  return { log, errors };
}

Deno.test("a frame whose handling throws closes that session (1011), never the server", async () => {
  const { log, errors } = failingOn("ws.bad_frame");
  await using server = await startTestServer({ log });
  const { tokens } = server.services;
  const token = async (name: string) =>
    (await tokens.sign({ id: `user:${name}`, name, role: "user" })).token;

  await using stream = await openEventStream(server.origin, await token("ada"));
  const posted = await stream.post("{not json");
  equal(posted.status, 202, "the POST is answered, not a 500");
  await stream.ended;
  ok(errors.some(({ event }) => event === "ws.receive_failed"), JSON.stringify(errors));

  await using socket = await openSocket(server.wsUrl, { token: await token("bob") });
  await socket.nextOf("hello");
  socket.send("{not json");
  equal((await socket.closed).code, 1011);

  await using bystander = await openSocket(server.wsUrl, { token: await token("cy") });
  await bystander.nextOf("hello");
  bystander.send({ type: "ping", t: 1 });
  equal((await bystander.nextOf("pong")).t, 1);
});

/**
 * Sockets of signed-in users for tests of rooms and membership: open one
 * after `hello`, and ask a question (a frame with a fresh `ref`), getting the
 * reply that names it while every other frame waits for later.
 *
 * @example
 * ```ts
 * await using ada = await connectAs(server, await registerAccount(server.origin, "ada"));
 * const joined = await ask(ada, { type: "create_room", room: "team", visibility: "private" });
 * ```
 */
import type { ServerFrame } from "../../lib/protocol/mod.ts";
import type { SignedIn } from "./accounts.ts";
import type { TestServer } from "./server.ts";
import { openSocket, type TestSocket } from "./socket.ts";

/**
 * A socket of `who`, once `hello` arrived, hearing `membership` frames as the
 * web client does (its `subscribe_membership` handled before this resolves).
 */
export async function connectAs(server: TestServer, who: Pick<SignedIn, "token">) {
  const socket = await openSocket(server.wsUrl, { token: who.token });
  await socket.nextOf("hello");
  socket.send({ type: "subscribe_membership" });
  socket.send({ type: "ping", t: 0 });
  await socket.nextOf("pong");
  return socket;
}

/** A reply to a question: a server frame with the question's `ref`. */
export type Reply = ServerFrame & { ref?: string };

/** Sends `frame` with a fresh `ref` and resolves with the reply carrying it. */
export async function ask(socket: TestSocket, frame: Record<string, unknown>): Promise<Reply> {
  const ref = crypto.randomUUID();
  socket.send({ ...frame, ref });
  return await socket.take((reply) => "ref" in reply && reply.ref === ref);
}

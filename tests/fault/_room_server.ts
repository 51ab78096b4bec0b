/**
 * The real Switchboard app for the room tests that need real sockets and a
 * real restart. In process: {@linkcode startRoomServer}. As a process that can
 * be killed with SIGKILL: run this file with `KV_PATH` and `PORT` (0 for any);
 * it prints `listening <port>` once it accepts connections.
 *
 * @example
 * ```ts
 * await using server = await startRoomServer({ kvPath: `${dir}/kv` });
 * const { token } = await server.services.tokens.sign({ id: "u1", name: "ada", role: "user" });
 * ```
 */
import { createSwitchboard } from "../../server.ts";
import type { Services } from "../../lib/server/services.ts";

/** The secret every room test server signs with, so a test can mint tokens. */
export const ROOM_TEST_SECRET = "room-test-secret-for-switchboard-tests-only";

/** A running room server. */
export interface RoomServer extends AsyncDisposable {
  port: number;
  wsUrl: string;
  services: Services;
  close(): Promise<void>;
}

/** Options of {@linkcode startRoomServer}. */
export interface RoomServerOptions {
  kvPath: string;
  port?: number;
  /** More environment (limits); `KV_PATH` and the secret are set already. */
  env?: Record<string, string>;
}

/** Starts the server in this process. */
export async function startRoomServer(options: RoomServerOptions): Promise<RoomServer> {
  const switchboard = await createSwitchboard({
    env: {
      KV_PATH: options.kvPath,
      JWT_SECRETS: ROOM_TEST_SECRET,
      LOG_LEVEL: "error",
      ...options.env,
    },
  });
  const services = switchboard.services;
  const server = Deno.serve(
    { port: options.port ?? 0, hostname: "127.0.0.1", onListen: () => {} },
    switchboard.handler,
  );
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await switchboard.close();
      await server.shutdown();
    })();
  return {
    port: server.addr.port,
    wsUrl: `ws://127.0.0.1:${server.addr.port}/api/ws`,
    services,
    close,
    [Symbol.asyncDispose]: close,
  };
}

if (import.meta.main) {
  const kvPath = Deno.env.get("KV_PATH");
  if (!kvPath) throw new Error("KV_PATH must name the KV file");
  const server = await startRoomServer({
    kvPath,
    port: Number(Deno.env.get("PORT") ?? 0),
    env: Deno.env.toObject(),
  });
  console.log(`listening ${server.port}`);
}

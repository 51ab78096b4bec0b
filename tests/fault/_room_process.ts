/**
 * The room server of `_room_server.ts` as a child process, so a test can kill
 * it with SIGKILL (no drain, no goodbye) and start it again on the same KV file.
 *
 * @example
 * ```ts
 * const server = await spawnRoomServer({ kvPath: `${dir}/kv` });
 * server.kill(); // SIGKILL
 * await server.exited;
 * ```
 */
import { createTokenIssuer } from "../../lib/server/auth/tokens.ts";
import type { SessionUser } from "../../lib/protocol/mod.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { ROOM_TEST_SECRET } from "./_room_server.ts";

/** A room server running in a child process. */
export interface RoomProcess {
  port: number;
  wsUrl: string;
  /** Kills the process with SIGKILL. */
  kill(): void;
  /** Resolves when the process has exited. */
  exited: Promise<Deno.CommandStatus>;
}

/** Starts the server process and waits until it listens. */
export async function spawnRoomServer(
  options: { kvPath: string; env?: Record<string, string> },
): Promise<RoomProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_room_server.ts", import.meta.url).pathname],
    env: { ...options.env, KV_PATH: options.kvPath, PORT: "0" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  let port = 0;
  while (!port) {
    const { done, value } = await lines.read();
    if (done) throw new Error(`the room server exited before listening: ${output}`);
    output += value;
    port = Number(/listening (\d+)/.exec(output)?.[1] ?? 0);
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  const drained = (async () => {
    while (!(await lines.read()).done);
  })();
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/api/ws`,
    kill: () => child.kill("SIGKILL"),
    exited: drained.then(() => child.status),
  };
}

/** Mints an access token the room servers accept. */
export async function roomTestToken(user: SessionUser): Promise<string> {
  const issuer = await createTokenIssuer({
    secrets: [ROOM_TEST_SECRET],
    ttlS: 3600,
    clock: createSystemClock(),
  });
  return (await issuer.sign(user)).token;
}

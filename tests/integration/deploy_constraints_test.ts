/**
 * Deno Deploy's terms, checked on a real process: `deno serve main.ts` with
 * no `--unstable-*` flag, no write permission at all (`--deny-write`), and
 * `DENO_DEPLOYMENT_ID` set, so the app must call `Deno.openKv()` without a
 * path and leave `KV_PATH` alone. Deploy hands the runtime its database
 * through `DENO_KV_DEFAULT_PATH` (there a URL, which needs no file
 * permission); here it is `:memory:`, the one local value that needs none
 * either. Then SIGINT, as Deploy sends before stopping an instance: every
 * client gets `reconnect` first, and the process exits within the 5 seconds
 * Deploy waits before SIGKILL. The close code is 1001: under `deno serve` (and
 * on Deploy) the runtime answers SIGINT itself by closing every WebSocket with
 * 1001 "Server shutting down", just after the app's `reconnect` frame and
 * before the app's own 1012 can go out. Both mean "going away, reconnect"
 * in the contract; `serve.ts` (the binary, rolling restarts) sends 1012.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { errorLines, logIn, spawnServer } from "./deploy_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DEPLOY_SHUTDOWN_WINDOW_MS = 5000;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("on Deploy's terms the app serves, logs in, chats, and drains on SIGINT within 5 s", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sb-deploy-" });
  const ignoredKvPath = `${dir}/data/switchboard.kv`;
  const sockets: TestSocket[] = [];
  try {
    await using server = await spawnServer(
      Deno.execPath(),
      ["serve", "-A", "--deny-write", "--host", "127.0.0.1", "--port", "0", "main.ts"],
      {
        cwd: ROOT,
        env: {
          DENO_DEPLOYMENT_ID: "local-test",
          DENO_KV_DEFAULT_PATH: ":memory:",
          KV_PATH: ignoredKvPath,
          JWT_SECRETS: "deploy-test-secret-for-switchboard-tests-only",
          METRICS_TOKEN: "deploy-test-metrics-token",
          LOG_LEVEL: "warn",
        },
      },
    );

    const home = await fetch(`${server.origin}/`);
    equal(home.status, 200);
    match(await home.text(), /<title>Switchboard<\/title>/);
    const css = await fetch(`${server.origin}/styles.css`);
    equal(css.status, 200);
    await css.body?.cancel();

    const adaToken = await logIn(server.origin, "ada", "analytical engine");
    const bobToken = await logIn(server.origin, "bob", "difference engine");
    const ada = await openSocket(server.wsUrl, { token: adaToken });
    const bob = await openSocket(server.wsUrl, { token: bobToken });
    sockets.push(ada, bob);
    for (const socket of [ada, bob]) {
      await socket.nextOf("hello");
      socket.send({ type: "join", room: "general" });
      await socket.nextOf("joined");
    }
    ada.send({ type: "send", room: "general", text: "hello from the edge", cid: "c-1" });
    const ack = await ada.nextOf("ack");
    const message = await bob.nextOf("message");
    deepEqual([message.seq, message.text, message.user.name], [
      ack.seq,
      "hello from the edge",
      "ada",
    ]);

    const signalled = performance.now();
    server.kill("SIGINT");
    for (const socket of [ada, bob]) {
      const reconnect = await socket.nextOf("reconnect");
      ok(reconnect.after_ms >= 0);
      equal((await socket.closed).code, 1001);
    }
    const status = await server.exited;
    const tookMs = performance.now() - signalled;
    equal(status.code, 0, server.output());
    ok(tookMs < DEPLOY_SHUTDOWN_WINDOW_MS, `the drain took ${Math.round(tookMs)} ms`);

    deepEqual(errorLines(server.output()), []);
    equal(await exists(`${dir}/data`), false, "KV_PATH must be ignored on Deploy");
  } finally {
    await Promise.all(sockets.map((socket) => socket[Symbol.asyncDispose]()));
    await Deno.remove(dir, { recursive: true });
  }
});

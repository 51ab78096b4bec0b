/**
 * The single binary: `deno task compile`'s `deno compile` command, with the
 * island bundles and static files embedded, run from an empty directory
 * (nothing of the project beside it, its KV file inside that directory). It
 * serves the page, a bundle and a static file from inside itself, logs in,
 * chats over WebSocket, and drains on SIGTERM.
 *
 * `deno compile` copies a runtime binary, `denort`, which it takes from
 * `DENORT_BIN`, or from Deno's download cache, or else downloads. Where none
 * of the three is possible (an offline machine with an empty cache) the test
 * is ignored with a message saying so; `REQUIRE_COMPILE=1` makes that a failure.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";
import { errorLines, logIn, spawnServer } from "./deploy_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DENORT = `denort-${Deno.build.target}.zip`;
const DENORT_URL = `https://dl.deno.land/release/v${Deno.version.deno}/${DENORT}`;

/** Why `deno compile` cannot run here, or null when it can. */
async function compileUnavailable(): Promise<string | null> {
  if (Deno.env.get("DENORT_BIN")) return null;
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
  const cached = `${denoDir}/dl/release/v${Deno.version.deno}/${DENORT}`;
  try {
    await Deno.stat(cached);
    return null;
  } catch {
    // Not cached: it can still be downloaded, if the network reaches it.
  }
  try {
    const response = await fetch(DENORT_URL, {
      method: "HEAD",
      signal: AbortSignal.timeout(5000),
    });
    await response.body?.cancel();
    if (response.ok) return null;
    return `${DENORT_URL} answered ${response.status}`;
  } catch (error) {
    return `neither DENORT_BIN is set, nor ${cached} cached, nor ${DENORT_URL} reachable (${
      error instanceof Error ? error.message : error
    })`;
  }
}

const unavailable = await compileUnavailable();
if (unavailable && Deno.env.get("REQUIRE_COMPILE") !== "1") {
  console.warn(
    `\n!!! compile_test IGNORED: deno compile needs the denort runtime binary and cannot get it: ${unavailable}.` +
      `\n!!! Set DENORT_BIN to a denort binary for Deno ${Deno.version.deno} to run it.\n`,
  );
}

/** The `deno compile` arguments of `deno task compile`, writing the binary to `output`. */
async function compileArgs(output: string): Promise<string[]> {
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  const command: string = tasks.compile.split("&&").at(-1).trim();
  ok(command.startsWith("deno compile ") && command.includes(" --output switchboard "), command);
  return command.replace(" --output switchboard ", ` --output ${output} `).split(/\s+/).slice(1);
}

Deno.test({
  name: "the compiled binary serves and chats from an empty directory",
  ignore: unavailable !== null && Deno.env.get("REQUIRE_COMPILE") !== "1",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sb-compile-" });
    const binary = `${dir}/switchboard`;
    const runDir = `${dir}/empty`;
    await Deno.mkdir(runDir);
    const sockets: TestSocket[] = [];
    try {
      const build = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "lib/framework/build_cli.ts", "--if-stale"],
        cwd: ROOT,
      }).output();
      ok(build.success, new TextDecoder().decode(build.stderr));
      const compiled = await new Deno.Command(Deno.execPath(), {
        args: await compileArgs(binary),
        cwd: ROOT,
      }).output();
      ok(compiled.success, new TextDecoder().decode(compiled.stderr));

      await using server = await spawnServer(binary, [], {
        cwd: runDir,
        env: { HOST: "127.0.0.1", PORT: "0", KV_PATH: "./data/switchboard.kv", LOG_LEVEL: "warn" },
      });
      const html = await (await fetch(`${server.origin}/`)).text();
      match(html, /<title>Switchboard<\/title>/);
      const bundlePath = html.match(/\/_build\/[\w-]+\.js/)?.[0];
      ok(bundlePath, "the page names an island bundle");
      const bundle = await fetch(server.origin + bundlePath);
      equal(bundle.status, 200);
      await bundle.body?.cancel();
      const css = await fetch(`${server.origin}/styles.css`);
      equal(css.status, 200);
      await css.body?.cancel();

      const ada = await openSocket(server.wsUrl, {
        token: await logIn(server.origin, "ada", "analytical engine"),
      });
      const bob = await openSocket(server.wsUrl, {
        token: await logIn(server.origin, "bob", "difference engine"),
      });
      sockets.push(ada, bob);
      for (const socket of [ada, bob]) {
        await socket.nextOf("hello");
        socket.send({ type: "join", room: "general" });
        await socket.nextOf("joined");
      }
      bob.send({ type: "send", room: "general", text: "one file, no install", cid: "c-1" });
      const ack = await bob.nextOf("ack");
      const message = await ada.nextOf("message");
      deepEqual([message.seq, message.text], [ack.seq, "one file, no install"]);

      server.kill("SIGTERM");
      for (const socket of [ada, bob]) {
        await socket.nextOf("reconnect");
        equal((await socket.closed).code, 1012);
      }
      equal((await server.exited).code, 0, server.output());
      deepEqual(errorLines(server.output()), []);
      ok(
        (await Deno.stat(`${runDir}/data/switchboard.kv`)).isFile,
        "the KV file is in the run dir",
      );
    } finally {
      await Promise.all(sockets.map((socket) => socket[Symbol.asyncDispose]()));
      await Deno.remove(dir, { recursive: true });
    }
  },
});

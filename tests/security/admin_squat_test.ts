/**
 * Attack: admin by squatting. Before the fix, names in `ADMIN_USERS` went to
 * whoever registered them first, case-insensitively: registering `ROOT` while
 * `ADMIN_USERS=root` gave role admin (kick worked) and locked the operator
 * out. Now `ADMIN_USERS` names only accounts that existed at start, and the
 * first administrator is made with `deno task admin create NAME`.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { openSocket } from "../_helpers/socket.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import type { ServerFrameOf } from "../../lib/protocol/frames.ts";

const PASSWORD = "correct horse battery";
const ROOT = new URL("../../", import.meta.url).pathname;

function post(origin: string, path: string, body: unknown, token?: string) {
  return fetch(`${origin}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** Signs in (registering first if nobody holds the name) and returns the token and the role `hello` reports. */
async function signIn(origin: string, name: string, password = PASSWORD) {
  let response = await post(origin, "/api/register", { name, password });
  if (response.status === 409) {
    await response.body?.cancel();
    response = await post(origin, "/api/login", { name, password });
  }
  equal(response.ok, true, `sign in as ${name}`);
  const { token } = await response.json();
  await using socket = await openSocket(`${origin.replace("http", "ws")}/api/ws`, { token });
  const hello = await socket.next() as ServerFrameOf<"hello">;
  return { token, role: hello.user.role };
}

/** `deno task admin …` on the server's database, as an operator runs it. */
async function adminTask(
  kvPath: string,
  args: string[],
  options: { password?: string; stdin?: string } = {},
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "admin", ...args],
    cwd: ROOT,
    env: { KV_PATH: kvPath, ...(options.password ? { ADMIN_PASSWORD: options.password } : {}) },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  return { code, output: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
}

async function kickStatus(origin: string, token: string) {
  const response = await post(origin, "/api/admin/kick", { user_id: "user:nobody" }, token);
  await response.body?.cancel();
  return response.status;
}

Deno.test("admin squatting: registering ROOT while ADMIN_USERS=root gives no admin, not even after a restart", async () => {
  await using server = await startServerProcess({ env: { ADMIN_USERS: "root" } });
  const squatter = await signIn(server.origin, "ROOT");
  equal(squatter.role, "user");
  equal(await kickStatus(server.origin, squatter.token), 403);

  // The next start sees an account named root, but one registered after ADMIN_USERS named it.
  await server.restart();
  const again = await signIn(server.origin, "root");
  equal(again.role, "user");
  equal(await kickStatus(server.origin, again.token), 403);
});

Deno.test("admin squatting: the operator makes the first admin with deno task admin create", async () => {
  await using server = await startServerProcess({ env: { ADMIN_USERS: "root" } });
  const created = await adminTask(server.kvPath, ["create", "boss"], { password: PASSWORD });
  equal(created.code, 0, created.output);
  match(created.output, /created boss .* with role admin/);
  ok(!created.output.includes(PASSWORD), "the password is never printed");

  const boss = await signIn(server.origin, "boss");
  equal(boss.role, "admin");
  equal(await kickStatus(server.origin, boss.token), 200);

  // A name someone already holds cannot be created over; grant and revoke change roles.
  const squatter = await signIn(server.origin, "eve");
  const taken = await adminTask(server.kvPath, ["create", "EVE"], { password: PASSWORD });
  equal(taken.code, 1);
  match(taken.output, /cannot create EVE: this name is registered/);
  equal((await signIn(server.origin, "eve")).role, "user");
  deepEqual(squatter.role, "user");

  equal((await adminTask(server.kvPath, ["grant", "eve"])).code, 0);
  equal((await signIn(server.origin, "eve")).role, "admin");
  equal((await adminTask(server.kvPath, ["revoke", "eve"])).code, 0);
  equal((await signIn(server.origin, "eve")).role, "user");

  // The password may come on standard input instead (the first line of a pipe).
  const piped = await adminTask(server.kvPath, ["create", "ops"], { stdin: `${PASSWORD}\n` });
  equal(piped.code, 0, piped.output);
  equal((await signIn(server.origin, "ops")).role, "admin");

  const unknown = await adminTask(server.kvPath, ["grant", "nobody"]);
  equal(unknown.code, 1);
  const misuse = await adminTask(server.kvPath, ["promote", "eve"]);
  equal(misuse.code, 2);
  match(misuse.output, /usage: deno task admin/);
  const short = await adminTask(server.kvPath, ["create", "tiny"], { password: "short" });
  equal(short.code, 1);
});

Deno.test("ADMIN_USERS still grants an account that existed when the server started", async () => {
  await using server = await startServerProcess();
  await signIn(server.origin, "ada");
  // The operator names an existing account, then restarts.
  await using admin = await startServerProcess({
    env: { ADMIN_USERS: "ada", KV_PATH: server.kvPath },
  });
  await server.kill();
  equal((await signIn(admin.origin, "Ada")).role, "admin");
});

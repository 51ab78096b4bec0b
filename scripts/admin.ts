/**
 * `deno task admin <create|grant|revoke> NAME`: administrators from the
 * command line, on the database `DATABASE_URL` or else `KV_PATH` names (see
 * lib/server/accounts/admin_command.ts). `create` reads the password from
 * `ADMIN_PASSWORD`, else from standard input: asked for without echo on a
 * terminal, the first line of a pipe otherwise.
 *
 * @example
 * ```sh
 * KV_PATH=./data/switchboard.kv deno task admin create root
 * printf '%s\n' "$PASSWORD" | deno task admin create root
 * deno task admin grant ada
 * ```
 */
import { type Config, ConfigError, loadConfig } from "../lib/server/config.ts";
import { createAccounts, runAdminCommand } from "../lib/server/accounts/mod.ts";
import { openStorage, type Storage } from "../lib/server/storage.ts";
import { DatabaseUnavailableError } from "../lib/server/postgres/mod.ts";
import { createSystemClock } from "../lib/time/clock.ts";

const ENTER = new Set([0x0a, 0x0d]);
const BACKSPACE = new Set([0x08, 0x7f]);
const CTRL_C = 0x03;

/** Reads a line from the terminal with echo off; Ctrl+C quits. */
async function readHidden(prompt: string): Promise<string> {
  const encoder = new TextEncoder();
  await Deno.stderr.write(encoder.encode(prompt));
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buffer = new Uint8Array(1);
  try {
    while (true) {
      const read = await Deno.stdin.read(buffer);
      if (read === null || ENTER.has(buffer[0])) break;
      if (buffer[0] === CTRL_C) Deno.exit(130);
      if (BACKSPACE.has(buffer[0])) bytes.pop();
      else bytes.push(buffer[0]);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(encoder.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The first line of standard input. */
async function readFirstLine(): Promise<string> {
  const text = await new Response(Deno.stdin.readable).text();
  return text.split(/\r?\n/, 1)[0];
}

async function readPassword(name: string): Promise<string> {
  const fromEnv = Deno.env.get("ADMIN_PASSWORD");
  if (fromEnv) return fromEnv;
  if (!Deno.stdin.isTerminal()) return await readFirstLine();
  const password = await readHidden(`Password for ${name}: `);
  if (password !== await readHidden("Again: ")) {
    console.error("admin: the two passwords differ");
    Deno.exit(1);
  }
  return password;
}

const env = Deno.env.toObject();
let config: Config;
try {
  config = loadConfig(env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`admin: ${error.message}`);
  Deno.exit(2);
}
let storage: Storage;
try {
  storage = await openStorage(config, env, { clock: createSystemClock() });
} catch (error) {
  if (!(error instanceof DatabaseUnavailableError)) throw error;
  console.error(`admin: ${error.message}`);
  Deno.exit(1);
}
const accounts = createAccounts(storage.accounts);
// A database a newer server has not started on yet: look-alikes must be known before creating.
await accounts.indexSkeletons();
const code = await runAdminCommand(Deno.args, {
  accounts,
  readPassword,
  print: (line) => console.log(line),
});
await storage.close();
Deno.exit(code);

/**
 * `deno task admin`: makes and unmakes administrators from the command line,
 * on the database a server uses (the same `KV_PATH`; it may be running). This
 * is how the first administrator is made: no name a visitor can register
 * becomes an administrator by itself.
 *
 * | command | does |
 * | --- | --- |
 * | `create NAME` | registers NAME with role `admin` (asks for the password) |
 * | `grant NAME` | gives the existing account NAME role `admin` |
 * | `revoke NAME` | takes role `admin` back |
 *
 * A role change shows in the next access token the account gets: at its next
 * sign-in or token refresh (at most `ACCESS_TOKEN_TTL_S` later).
 *
 * @example
 * ```ts
 * const code = await runAdminCommand(["create", "root"], {
 *   accounts: createAccounts(kv),
 *   readPassword: () => Promise.resolve("correct horse battery"),
 *   print: console.log,
 * });
 * ```
 */
import type { Accounts } from "./accounts.ts";

/** How to use it, printed on a wrong call. */
export const ADMIN_USAGE = `usage: deno task admin <create|grant|revoke> NAME
  create NAME   register NAME as an administrator; the password is read from
                ADMIN_PASSWORD, else from standard input (asked for, not echoed,
                on a terminal)
  grant NAME    make the existing account NAME an administrator
  revoke NAME   make NAME an ordinary user again
The database is KV_PATH's, as for the server.`;

/** What {@linkcode runAdminCommand} talks to. */
export interface AdminCommandOptions {
  accounts: Pick<Accounts, "register" | "setRole">;
  /** The new account's password; asked only by `create`. */
  readPassword(name: string): Promise<string>;
  /** One line of output (errors included). */
  print(line: string): void;
}

/** Least password length, as `POST /api/login` requires. */
const MIN_PASSWORD_CHARS = 8;

/** Runs one command; resolves with the process's exit code (0 done, 1 refused, 2 misuse). */
export async function runAdminCommand(
  args: readonly string[],
  { accounts, readPassword, print }: AdminCommandOptions,
): Promise<number> {
  const [command, name, ...rest] = args;
  if (!name || rest.length > 0 || !["create", "grant", "revoke"].includes(command)) {
    print(ADMIN_USAGE);
    return 2;
  }
  if (command === "create") {
    const password = await readPassword(name);
    if ([...password].length < MIN_PASSWORD_CHARS) {
      print(`admin: the password must be at least ${MIN_PASSWORD_CHARS} characters`);
      return 1;
    }
    const registered = await accounts.register(name, password, { role: "admin" });
    if (!registered.ok) {
      const hint = registered.reason === "taken"
        ? ` (to make that account an administrator: deno task admin grant ${name})`
        : "";
      print(`admin: cannot create ${name}: ${registered.message}${hint}`);
      return 1;
    }
    print(`admin: created ${registered.account.name} (${registered.account.id}) with role admin`);
    return 0;
  }
  const role = command === "grant" ? "admin" : "user";
  const changed = await accounts.setRole(name, role);
  if (!changed.ok) {
    print(`admin: no account is named ${name}`);
    return 1;
  }
  print(`admin: ${changed.account.name} (${changed.account.id}) now has role ${role}`);
  return 0;
}

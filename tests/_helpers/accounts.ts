/**
 * Accounts for tests that need signed-in users: registering (the second
 * edition's `POST /api/register`) and signing in, each giving the access
 * token, the user and the cookies.
 *
 * @example
 * ```ts
 * const ada = await registerAccount(server.origin, "ada");
 * await using socket = await openSocket(server.wsUrl, { token: ada.token });
 * const again = await signInAccount(server.origin, "ada"); // another sign-in, another device
 * ```
 */
import { equal } from "node:assert/strict";
import type { PublicUser } from "../../lib/protocol/mod.ts";

/** The password every test account gets unless a test says otherwise. */
export const ACCOUNT_PASSWORD = "correct horse battery";

/** A signed-in account: its access token, user, and cookies (as a `Cookie` header). */
export interface SignedIn {
  token: string;
  user: PublicUser;
  cookie: string;
}

async function post(origin: string, path: string, body: unknown, status: number) {
  const response = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  equal(response.status, status, `${path}: ${JSON.stringify(json)}`);
  const cookie = response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
  return { token: json.token, user: json.user, cookie };
}

/** Registers `name` (201) and returns the new sign-in. */
export function registerAccount(
  origin: string,
  name: string,
  password = ACCOUNT_PASSWORD,
): Promise<SignedIn> {
  return post(origin, "/api/register", { name, password }, 201);
}

/** Signs in to the existing account `name` (200): another sign-in, as another device makes. */
export function signInAccount(
  origin: string,
  name: string,
  password = ACCOUNT_PASSWORD,
): Promise<SignedIn> {
  return post(origin, "/api/login", { name, password }, 200);
}

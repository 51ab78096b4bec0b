/**
 * A guest session for tests that need one but do not test signing in.
 *
 * @example
 * ```ts
 * const { token, cookie } = await signInAsGuest(server.origin, "visitor");
 * await fetch(`${server.origin}/`, { headers: { cookie } }); // the chat page
 * ```
 */
import { equal } from "node:assert/strict";

/** The access token and the cookies (as a `Cookie` header) of a new guest. */
export async function signInAsGuest(
  origin: string,
  name: string,
): Promise<{ token: string; cookie: string }> {
  const response = await fetch(`${origin}/api/guest`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = await response.json();
  equal(response.status, 200, JSON.stringify(body));
  const cookie = response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
  return { token: body.token, cookie };
}

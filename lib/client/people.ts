/**
 * Finding people by the start of their name (`GET /api/users?prefix=`), for
 * picking whom to message or invite. The server answers signed-in callers
 * only, with at most 20 accounts and active guests, and bounds how often.
 *
 * @example
 * ```ts
 * const found = await findPeople("ad", { token: () => client.accessToken() });
 * if (found.ok) show(found.users); // [{ id: "user:…", name: "ada", role: "user" }]
 * ```
 */
import type { PublicUser } from "../protocol/frames.ts";
import { isErrorBody, isUserLookupResponse } from "../protocol/guards.ts";

/** Where and as whom to look people up. */
export interface FindPeopleOptions {
  /** The signed-in user's access token. */
  token: () => Promise<string>;
  /** Default `location.origin`; required outside a page. */
  origin?: string;
  /** Default `fetch`. */
  fetch?: typeof fetch;
}

/** The people found, or why not (in words to show). */
export type PeopleFound = { ok: true; users: PublicUser[] } | { ok: false; message: string };

/** The people whose name starts with `prefix`. */
export async function findPeople(prefix: string, options: FindPeopleOptions): Promise<PeopleFound> {
  const origin = options.origin ?? globalThis.location?.origin;
  const url = new URL("/api/users", origin);
  url.searchParams.set("prefix", prefix);
  try {
    const response = await (options.fetch ?? globalThis.fetch)(url.href, {
      headers: { authorization: `Bearer ${await options.token()}` },
    });
    const body: unknown = await response.json().catch(() => null);
    if (response.ok && isUserLookupResponse(body)) return { ok: true, users: body.users };
    return {
      ok: false,
      message: isErrorBody(body) ? body.error.message : `lookup failed (HTTP ${response.status})`,
    };
  } catch (error) {
    return { ok: false, message: `lookup failed: ${(error as Error).message}` };
  }
}

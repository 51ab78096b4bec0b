/**
 * `GET /api/users?prefix=`: the accounts and active guests whose name starts
 * with `prefix` (case-folded), at most 20, for picking people to message or
 * invite. Only for signed-in callers (a bearer token), and bounded per caller
 * (`LOOKUPS_BURST` at once, `LOOKUPS_PER_SECOND` after): a list of names is no
 * secret on a chat where names show beside every message, but walking the
 * whole directory quickly should not be free. The caller is left out.
 *
 * @example
 * ```ts
 * const lookup = createUserLookup({ accounts, tokens, clock });
 * const response = await lookup.handle(req); // 200 { users: [{ id, name, role }, …] }
 * ```
 */
import { USER_LOOKUP_MAX, UserLookupQuery, type UserLookupResponse } from "../../protocol/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { Accounts } from "../accounts/mod.ts";
import { errorResponse } from "../http/mod.ts";
import { createKeyedLimiter } from "../limits/mod.ts";
import { authenticateRequest } from "./request_auth.ts";
import type { TokenIssuer } from "./tokens.ts";

/** Lookups one caller may make at once, and per second after that. */
export const LOOKUPS_BURST = 20;
export const LOOKUPS_PER_SECOND = 2;

/** What {@linkcode createUserLookup} needs. */
export interface UserLookupOptions {
  accounts: Pick<Accounts, "lookup">;
  tokens: TokenIssuer;
  clock: Clock;
}

/** The endpoint. */
export interface UserLookup {
  /** `GET /api/users?prefix=` */
  handle(req: Request): Promise<Response>;
}

/** Creates the {@linkcode UserLookup} endpoint. */
export function createUserLookup({ accounts, tokens, clock }: UserLookupOptions): UserLookup {
  const perCaller = createKeyedLimiter({
    burst: LOOKUPS_BURST,
    perSecond: LOOKUPS_PER_SECOND,
    clock,
    maxKeys: 10_000,
  });
  return {
    async handle(req) {
      const caller = await authenticateRequest(req, tokens);
      if (!caller.ok) return caller.response;
      const query = UserLookupQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
      if (!query.success) return errorResponse(400, "bad_request", query.error.issues[0].message);
      const waitMs = perCaller.take(caller.user.id);
      if (waitMs > 0) {
        return errorResponse(429, "rate_limited", "too many lookups; slow down", {
          "retry-after": String(Math.ceil(waitMs / 1000)),
        });
      }
      const found = await accounts.lookup(query.data.prefix, {
        limit: USER_LOOKUP_MAX + 1,
        now: clock.now(),
      });
      const users = found.filter((user) => user.id !== caller.user.id).slice(0, USER_LOOKUP_MAX);
      return Response.json({ users } satisfies UserLookupResponse, {
        headers: { "cache-control": "no-store" },
      });
    },
  };
}

/**
 * Who is calling an HTTP endpoint: the user of the request's
 * `Authorization: Bearer <access token>`, or the 401 to answer. Endpoints
 * that need a role check it on the result, answering 403.
 *
 * @example
 * ```ts
 * const caller = await authenticateRequest(req, tokens);
 * if (!caller.ok) return caller.response;
 * if (caller.user.role !== "admin") return errorResponse(403, "forbidden", "admins only");
 * ```
 */
import type { SessionUser } from "../../protocol/frames.ts";
import type { TokenIssuer } from "./tokens.ts";
import { bearerTokenOf, errorResponse } from "../http/mod.ts";

/** The caller, or the response refusing them. */
export type Caller =
  | { ok: true; user: SessionUser; expiresAt: number; loginId?: string }
  | { ok: false; response: Response };

/** Verifies the request's bearer token. */
export async function authenticateRequest(req: Request, tokens: TokenIssuer): Promise<Caller> {
  const token = bearerTokenOf(req);
  if (!token) {
    return {
      ok: false,
      response: errorResponse(401, "unauthorized", "send Authorization: Bearer <access token>"),
    };
  }
  const result = await tokens.verify(token);
  if (!result.ok) return { ok: false, response: errorResponse(401, "unauthorized", result.reason) };
  return result;
}

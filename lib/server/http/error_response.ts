/**
 * The contract's error body for HTTP: `{ "error": { "code", "message" } }`
 * with a status, the same codes an `error` frame carries. Every refusal the
 * server words itself goes out through this.
 *
 * @example
 * ```ts
 * return errorResponse(400, "bad_request", "name: names are 1-32 letters");
 * return errorResponse(503, "internal", "server restarting", { "retry-after": "1" });
 * ```
 */
import type { ErrorCode } from "../../protocol/codes.ts";

/** A JSON error `{ error: { code, message } }` with the given status. */
export function errorResponse(
  status: number,
  code: ErrorCode,
  message: string,
  headers?: HeadersInit,
): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

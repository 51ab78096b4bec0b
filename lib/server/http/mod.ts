/**
 * HTTP plumbing every endpoint shares: the contract's error body, request
 * bodies read within their bound, what a request says about itself (origin,
 * cookies, bearer token, HTTPS), the client's address behind trusted proxies,
 * the security headers of every page, span names for OpenTelemetry, and the
 * process's budget of TCP connections. The endpoints themselves live with
 * their subsystem (`../auth`, `../session`, `../ops`).
 *
 * Imports `../metrics` only, for the transport names (besides `lib/protocol`,
 * `lib/time` and `lib/framework`'s context).
 *
 * @example
 * ```ts
 * import { errorResponse, readJsonBody } from "./mod.ts";
 * const parsed = await readJsonBody(req, KickBody);
 * if (!parsed.ok) return parsed.response;
 * return errorResponse(403, "forbidden", "this needs role admin");
 * ```
 */
export * from "./error_response.ts";
export * from "./bodies.ts";
export * from "./request.ts";
export * from "./client_address.ts";
export * from "./security_headers.ts";
export * from "./telemetry.ts";
export * from "./tcp_connection_budget.ts";
export * from "./connection_guards.ts";

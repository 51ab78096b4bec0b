/**
 * Small helpers for the JSON HTTP endpoints: the contract's error body, body
 * reading that never throws, and the client's address.
 *
 * @example
 * ```ts
 * return errorResponse(400, "bad_request", "name: names are 1-32 letters");
 * ```
 */
import type { z } from "zod";
import type { ErrorCode } from "../protocol/codes.ts";

/** A JSON error `{ error: { code, message } }` with the given status. */
export function errorResponse(
  status: number,
  code: ErrorCode,
  message: string,
  headers?: HeadersInit,
): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

/** Largest JSON body the auth endpoints read. */
const MAX_BODY_BYTES = 16 * 1024;

/** Reads and validates a JSON body: the parsed value, or a 400 response saying what is wrong. */
export async function readJsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
): Promise<{ ok: true; body: z.infer<S> } | { ok: false; response: Response }> {
  const text = await req.text().catch(() => "");
  if (new TextEncoder().encode(text).length > MAX_BODY_BYTES) {
    return { ok: false, response: errorResponse(413, "too_large", "body is too large") };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, response: errorResponse(400, "bad_request", "body is not valid JSON") };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, body: result.data };
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join(".");
  const message = field ? `${field}: ${issue.message}` : issue.message;
  return { ok: false, response: errorResponse(400, "bad_request", message) };
}

/** The client's IP address, as the connection shows it. */
export function addressOf(info: Deno.ServeHandlerInfo): string {
  const address = info.remoteAddr as Deno.Addr;
  return "hostname" in address ? address.hostname : address.transport;
}

/** Whether the request reached us over HTTPS (directly or through a proxy that says so). */
export function isHttps(req: Request): boolean {
  return new URL(req.url).protocol === "https:" ||
    req.headers.get("x-forwarded-proto")?.split(",")[0].trim() === "https";
}

/** The value of one cookie of the request. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of req.headers.get("cookie")?.split(";") ?? []) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      return part.slice(separator + 1).trim();
    }
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerTokenOf(req: Request): string | undefined {
  return req.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/**
 * Whether the request's `Origin` may open a connection: the configured list,
 * or the server's own origin when the list is empty. Requests without an
 * `Origin` (non-browser clients) are allowed; browsers always send one on a
 * WebSocket and on cross-origin requests.
 */
export function isAllowedOrigin(req: Request, url: URL, allowed: string[]): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  if (allowed.length > 0) return allowed.includes(origin);
  return origin === `${isHttps(req) ? "https" : "http"}://${url.host}`;
}

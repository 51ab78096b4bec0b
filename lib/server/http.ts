/**
 * Small helpers for the JSON HTTP endpoints: the contract's error body, body
 * reading that is bounded and never throws, and the client's address.
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

/** Largest body the JSON endpoints and the login form read (the fallback's `/api/send` has its own). */
export const MAX_BODY_BYTES = 16 * 1024;

/** A body read within its bound, or the 413 to answer. */
export type BodyRead = { ok: true; bytes: Uint8Array<ArrayBuffer> } | {
  ok: false;
  response: Response;
};

/** The 413 of a body over `maxBytes`. */
export function bodyTooLarge(maxBytes: number): Response {
  return errorResponse(413, "too_large", `a request body carries at most ${maxBytes} bytes`);
}

/**
 * Reads a request body of at most `maxBytes`, and never holds more: a
 * `Content-Length` over the bound is refused before a byte is read, and a body
 * without one (chunked) is read chunk by chunk and cancelled the moment it
 * passes the bound. Every endpoint that reads a body reads it through this.
 *
 * @example
 * ```ts
 * const read = await readBoundedBody(req, MAX_BODY_BYTES);
 * if (!read.ok) return read.response; // 413
 * const text = new TextDecoder().decode(read.bytes);
 * ```
 */
export async function readBoundedBody(req: Request, maxBytes: number): Promise<BodyRead> {
  const declared = req.headers.get("content-length");
  if (declared !== null && !(Number(declared) <= maxBytes)) {
    await req.body?.cancel().catch(() => {});
    return { ok: false, response: bodyTooLarge(maxBytes) };
  }
  if (!req.body) return { ok: true, bytes: new Uint8Array() };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, response: bodyTooLarge(maxBytes) };
      }
      chunks.push(chunk.value);
    }
  } catch {
    // The client went away mid-body: what arrived is all there is, and it is judged as such.
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/**
 * Reads and validates a JSON body of at most `maxBytes` (default
 * {@linkcode MAX_BODY_BYTES}): the parsed value, or a 413 or 400 response
 * saying what is wrong.
 *
 * @example
 * ```ts
 * const parsed = await readJsonBody(req, LoginBody);
 * if (!parsed.ok) return parsed.response;
 * parsed.body.name;
 * ```
 */
export async function readJsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  maxBytes = MAX_BODY_BYTES,
): Promise<{ ok: true; body: z.infer<S> } | { ok: false; response: Response }> {
  const read = await readBoundedBody(req, maxBytes);
  if (!read.ok) return read;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(read.bytes));
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

/**
 * Reads a form body (`application/x-www-form-urlencoded` or
 * `multipart/form-data`) of at most {@linkcode MAX_BODY_BYTES}; a body that is
 * not a form reads as an empty one.
 *
 * @example
 * ```ts
 * const form = await readFormBody(req);
 * if (!form.ok) return form.response;
 * form.body.get("name");
 * ```
 */
export async function readFormBody(
  req: Request,
): Promise<{ ok: true; body: FormData } | { ok: false; response: Response }> {
  const read = await readBoundedBody(req, MAX_BODY_BYTES);
  if (!read.ok) return read;
  const headers = { "content-type": req.headers.get("content-type") ?? "" };
  const body = await new Response(read.bytes, { headers }).formData().catch(() => new FormData());
  return { ok: true, body };
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

/**
 * Whether a request that sets or clears cookies comes from a page of this
 * site, so that a page elsewhere cannot log a visitor in (login CSRF) or out.
 * A browser says where a request comes from: `Origin` (sent on every POST by
 * today's browsers), judged as {@linkcode isAllowedOrigin} judges sockets, and
 * else `Sec-Fetch-Site`, which must say `same-origin` (or `none`: typed by the
 * user). A request with neither header comes from no browser (curl, a bot, a
 * test) and cannot carry a victim's cookies, so it is allowed.
 *
 * @example
 * ```ts
 * if (!isSameSiteRequest(req, config.allowedOrigins)) {
 *   return errorResponse(403, "forbidden", "cross-site request refused");
 * }
 * ```
 */
export function isSameSiteRequest(req: Request, allowedOrigins: string[]): boolean {
  if (req.headers.has("origin")) return isAllowedOrigin(req, new URL(req.url), allowedOrigins);
  const site = req.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

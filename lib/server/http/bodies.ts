/**
 * Request bodies, read within a bound and never throwing: a body over its
 * bound is refused (413) before it is held, bad JSON or a value its schema
 * refuses is a 400 saying which field. Every endpoint that reads a body reads
 * it through these.
 *
 * @example
 * ```ts
 * const parsed = await readJsonBody(req, LoginBody);
 * if (!parsed.ok) return parsed.response; // 413 or 400
 * parsed.body.name;
 * ```
 */
import type { z } from "zod";
import { errorResponse } from "./error_response.ts";

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

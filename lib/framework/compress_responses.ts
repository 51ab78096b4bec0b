/**
 * Middleware compressing pages and JSON answers (brotli or gzip, whichever
 * the request's `Accept-Encoding` prefers) when they are at least `minBytes`
 * long. Static files and bundles are not its business: the build compressed
 * them once (`./static_files.ts`).
 *
 * Never compressed:
 * - the event stream (`text/event-stream`): it is written as it happens, and a
 *   compressor would hold frames back until its buffer fills;
 * - WebSocket upgrades (101), and responses without a body or already encoded;
 * - responses marked `Cache-Control: no-transform`;
 * - what `skip` names: answers that carry a secret in the same body as text
 *   from the request, since the compressed length then tells an attacker who
 *   can make a victim send requests how much of the secret they guessed
 *   (BREACH). The app names its token endpoints there.
 *
 * @example
 * ```ts
 * app.use(compressResponses({ skip: (req) => new URL(req.url).pathname === "/api/token" }));
 * ```
 */
import type { Context, Middleware } from "./context.ts";
import {
  compress,
  type Encoding,
  ENCODINGS,
  isCompressibleType,
  negotiateEncoding,
} from "./encoding.ts";

/** Options of {@linkcode compressResponses}. */
export interface CompressResponsesOptions {
  /** Smaller bodies are sent as they are: compressing them saves less than it costs. Default 1 024. */
  minBytes?: number;
  /** Requests whose answers are never compressed (see the module's notes on BREACH). */
  skip?: (req: Request) => boolean;
}

const NO_BODY_STATUSES = new Set([101, 204, 205, 304]);

function isCandidate(req: Request, response: Response, skip: (req: Request) => boolean): boolean {
  // HEAD is answered like GET (the server drops the body), so its headers say the same.
  if (response.body === null) return false;
  if (NO_BODY_STATUSES.has(response.status) || req.headers.has("upgrade")) return false;
  if (response.headers.has("content-encoding")) return false;
  if (/\bno-transform\b/i.test(response.headers.get("cache-control") ?? "")) return false;
  return isCompressibleType(response.headers.get("content-type")) && !skip(req);
}

/** Adds `Accept-Encoding` to the response's `Vary`, keeping what it named. */
function varyOnEncoding(headers: Headers): void {
  const vary = headers.get("vary");
  if (!vary) return headers.set("vary", "Accept-Encoding");
  if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) {
    headers.set("vary", `${vary}, Accept-Encoding`);
  }
}

/** The ETag of the compressed body: another representation, so another tag. */
function etagFor(etag: string, encoding: Encoding): string {
  return etag.replace(/"$/, `-${encoding === "br" ? "br" : "gz"}"`);
}

/**
 * Creates the compressing middleware; add it first, so that it sees every
 * answer.
 *
 * @example
 * ```ts
 * const app = new App({ root }).use(compressResponses());
 * ```
 */
export function compressResponses<State>(
  options: CompressResponsesOptions = {},
): Middleware<State> {
  const { minBytes = 1_024, skip = () => false } = options;
  return async (ctx: Context<State>) => {
    const response = await ctx.next();
    if (!isCandidate(ctx.req, response, skip)) return response;
    const headers = new Headers(response.headers);
    varyOnEncoding(headers);
    const init = { status: response.status, statusText: response.statusText, headers };
    const bytes = new Uint8Array(await response.arrayBuffer());
    const coding = negotiateEncoding(ctx.req.headers.get("accept-encoding"), ENCODINGS);
    if (bytes.length < minBytes || coding === null || coding === "identity") {
      return new Response(bytes, init);
    }
    headers.set("content-encoding", coding);
    headers.delete("content-length");
    const etag = headers.get("etag");
    if (etag) headers.set("etag", etagFor(etag, coding));
    return new Response(compress(bytes, coding, "response"), init);
  };
}

/**
 * A GET that returns the bytes as they came over the wire: `fetch` decodes
 * brotli and gzip bodies by itself, which hides what a response weighs and
 * whether it was compressed at all.
 *
 * @example
 * ```ts
 * const { headers, body } = await rawGet(`${origin}/styles.css`, { "accept-encoding": "br" });
 * headers["content-encoding"]; // "br"
 * decodeBody(body, headers["content-encoding"]); // the CSS
 * ```
 */
import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";

/** What {@linkcode rawGet} returns. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as sent. */
  body: Uint8Array;
}

/** Sends a GET (or `method`) with `headers` and collects the answer undecoded. */
export function rawGet(
  url: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    request(url, { headers, method }, (response) => {
      const chunks: Uint8Array[] = [];
      response.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      response.on("end", () => {
        const body = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
        let offset = 0;
        for (const chunk of chunks) {
          body.set(chunk, offset);
          offset += chunk.length;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      });
      response.on("error", reject);
    }).on("error", reject).end();
  });
}

/** The body decoded from its `Content-Encoding` (br, gzip or none). */
export function decodeBody(body: Uint8Array, contentEncoding: unknown): Uint8Array {
  if (contentEncoding === "br") return new Uint8Array(brotliDecompressSync(body));
  if (contentEncoding === "gzip") return new Uint8Array(gunzipSync(body));
  if (contentEncoding === undefined) return body;
  throw new Error(`unexpected content-encoding ${contentEncoding}`);
}

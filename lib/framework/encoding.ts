/**
 * Content codings: which one a request accepts (`Accept-Encoding`, with
 * q-values, `identity` and `*`, as RFC 9110 §12.5.3 reads them), and the
 * compressors for them, `node:zlib`'s brotli and gzip. The build compresses
 * its bundles and the static files once, at the highest levels; pages and
 * JSON are compressed as they are answered, at a fast level.
 *
 * @example
 * ```ts
 * negotiateEncoding("gzip;q=0.8, br", ["br", "gzip"]); // "br"
 * negotiateEncoding("identity;q=0", []); // null: nothing acceptable
 * const smaller = compress(bytes, "br", "build");
 * ```
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** A content coding the framework writes. */
export type Encoding = "br" | "gzip";

/** What a response can be sent as: a coding, or the bytes as they are. */
export type Coding = Encoding | "identity";

/** The codings the framework writes, preferred first when a request likes them equally. */
export const ENCODINGS: readonly Encoding[] = ["br", "gzip"];

/** The file name ending of a compressed copy. */
export const ENCODING_SUFFIX: Readonly<Record<Encoding, string>> = { br: ".br", gzip: ".gz" };

const SERVER_PREFERENCE: readonly Coding[] = ["br", "gzip", "identity"];

/** `x-gzip` is the same coding as `gzip` (RFC 9110 §8.4.1.3). */
const ALIASES: Readonly<Record<string, string>> = { "x-gzip": "gzip" };

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The q-value of each coding an `Accept-Encoding` value names (`*` included). */
function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const item of header.split(",")) {
    const [name, ...parameters] = item.split(";").map((part) => part.trim());
    if (!name) continue;
    let q = 1;
    for (const parameter of parameters) {
      const [key, value = ""] = parameter.split("=").map((part) => part.trim());
      if (key.toLowerCase() !== "q") continue;
      // A q-value that breaks the grammar makes the item unreadable: it is skipped.
      q = QVALUE.test(value) ? Number(value) : NaN;
    }
    if (Number.isNaN(q)) continue;
    const coding = name.toLowerCase();
    weights.set(ALIASES[coding] ?? coding, q);
  }
  return weights;
}

/**
 * The coding to answer with, among `available` (plus `identity`), for a
 * request's `Accept-Encoding` (`null` when it has none: then the bytes as
 * they are). Highest q-value first, then br, gzip, identity; `null` when the
 * request refuses every one, identity included.
 *
 * @example
 * ```ts
 * negotiateEncoding(null, ["br", "gzip"]); // "identity"
 * negotiateEncoding("gzip, deflate, br, zstd", ["br", "gzip"]); // "br"
 * negotiateEncoding("br;q=0, *", ["br", "gzip"]); // "gzip"
 * ```
 */
export function negotiateEncoding(
  acceptEncoding: string | null,
  available: readonly Encoding[],
): Coding | null {
  if (acceptEncoding === null) return "identity";
  const weights = parseAcceptEncoding(acceptEncoding);
  const star = weights.get("*");
  const weightOf = (coding: Coding): number => {
    const named = weights.get(coding);
    if (named !== undefined) return named;
    if (star !== undefined) return star;
    // Identity is acceptable unless refused, but comes after any coding the request names;
    // another coding only when asked for.
    return coding === "identity" ? Number.MIN_VALUE : 0;
  };
  let best: Coding | null = null;
  let bestWeight = 0;
  for (const coding of SERVER_PREFERENCE) {
    if (coding !== "identity" && !available.includes(coding)) continue;
    const weight = weightOf(coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/** How hard to compress: `build` once for good (slowest, smallest), `response` per request. */
export type CompressionEffort = "build" | "response";

/**
 * `bytes` compressed with `encoding`.
 *
 * @example
 * ```ts
 * const gzipped = compress(new TextEncoder().encode(html), "gzip", "response");
 * ```
 */
export function compress(
  bytes: Uint8Array,
  encoding: Encoding,
  effort: CompressionEffort,
): Uint8Array<ArrayBuffer> {
  const compressed = encoding === "br"
    ? brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: effort === "build" ? 11 : 5,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    })
    : gzipSync(bytes, { level: effort === "build" ? 9 : 6 });
  return new Uint8Array(compressed);
}

const COMPRESSIBLE_TYPES = [
  "text/html",
  "text/css",
  "text/javascript",
  "text/plain",
  "application/json",
  "application/manifest+json",
  "image/svg+xml",
];

/**
 * Whether a body of this media type shrinks when compressed (text does;
 * images and fonts are compressed already). The event stream is text but is
 * never compressed: see `./compress_responses.ts`.
 *
 * @example
 * ```ts
 * isCompressibleType("text/css; charset=utf-8"); // true
 * isCompressibleType("image/png"); // false
 * ```
 */
export function isCompressibleType(contentType: string | null): boolean {
  const mediaType = contentType?.split(";")[0].trim().toLowerCase() ?? "";
  return COMPRESSIBLE_TYPES.includes(mediaType);
}

/**
 * Serving files from a folder: an index is built once at start (reads are
 * allowed everywhere, writes are not on Deno Deploy), so only files that exist
 * in the folder can ever be served and `..` tricks cannot reach outside it.
 *
 * The build writes a brotli and a gzip copy of each text file into a folder
 * of compressed copies, named by the SHA-256 of the file they compress, so a
 * copy can only ever stand for the very bytes it was made from (a file edited
 * after the build is served as it is until the next build). Each request gets
 * the coding its `Accept-Encoding` prefers, with `Vary: Accept-Encoding` and
 * an ETag per coding.
 *
 * @example
 * ```ts
 * const files = await createStaticFiles(new URL("../../static/", import.meta.url), {
 *   compressed: new URL("../../_build/compressed/", import.meta.url),
 * });
 * const response = await files.serve(request, "/styles.css"); // null when not a static file
 * ```
 */

import {
  type Coding,
  type Encoding,
  ENCODING_SUFFIX,
  ENCODINGS,
  negotiateEncoding,
} from "./encoding.ts";
import { listFiles, sha256Hex } from "./files.ts";

const CONTENT_TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  ico: "image/x-icon",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  map: "application/json",
  png: "image/png",
  svg: "image/svg+xml",
  txt: "text/plain; charset=utf-8",
  webmanifest: "application/manifest+json",
  woff2: "font/woff2",
};

/** The content type for a file name, by extension. */
export function contentTypeFor(fileName: string): string {
  const extension = fileName.split(".").pop()?.toLowerCase() ?? "";
  return CONTENT_TYPES[extension] ?? "application/octet-stream";
}

interface StaticFile {
  /** Where the bytes of each coding the file is available in are. */
  paths: Partial<Record<Coding, URL>>;
  /** The codings besides identity, preferred first. */
  encodings: Encoding[];
  /** The hash the ETags are made of. */
  tag: string;
  contentType: string;
}

/** Options of {@linkcode createStaticFiles}. */
export interface StaticFilesOptions {
  /** URL prefix the folder is mounted at, e.g. `/_build`. Default `/`. */
  prefix?: string;
  /** `Cache-Control` for every file. */
  cacheControl?: string;
  /**
   * The folder of compressed copies (`<sha256 of the file>.br`, `.gz`), as
   * the build writes them. Default: none, every file is sent as it is.
   */
  compressed?: URL;
}

/** A folder served over HTTP. */
export interface StaticFiles {
  /** A response for a GET/HEAD of a file in the folder, or `null` when it is not one. */
  serve(req: Request, pathname: string): Promise<Response | null>;
  /** Whether the (decoded) path names a file in the folder. */
  has(pathname: string): boolean;
}

/** The name of the compressed copy of bytes whose SHA-256 is `hash`. */
export function compressedName(hash: string, encoding: Encoding): string {
  return hash + ENCODING_SUFFIX[encoding];
}

const ETAG_SUFFIX: Readonly<Record<Coding, string>> = { identity: "", br: "-br", gzip: "-gz" };

function etagOf(file: StaticFile, coding: Coding): string {
  return `"${file.tag}${ETAG_SUFFIX[coding]}"`;
}

/** Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  return header.split(",").some((item) => {
    const tag = item.trim();
    return tag === "*" || tag.replace(/^W\//, "") === etag;
  });
}

async function exists(path: URL): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function indexFile(
  path: URL,
  contentType: string,
  compressed: URL | undefined,
): Promise<StaticFile> {
  const hash = await sha256Hex(await Deno.readFile(path));
  const file: StaticFile = {
    paths: { identity: path },
    encodings: [],
    tag: hash.slice(0, 20),
    contentType,
  };
  for (const encoding of compressed ? ENCODINGS : []) {
    const copy = new URL(compressedName(hash, encoding), compressed);
    if (!(await exists(copy))) continue;
    file.paths[encoding] = copy;
    file.encodings.push(encoding);
  }
  return file;
}

/** Whether a request path tries to climb out of its folder or smuggle bytes. */
export function isUnsafePath(pathname: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return true;
  }
  return decoded.includes("\0") || decoded.includes("\\") ||
    decoded.split("/").some((segment) => segment === "..");
}

/** Indexes the folder at `dir`. A missing folder serves nothing. */
export async function createStaticFiles(
  dir: URL,
  options: StaticFilesOptions = {},
): Promise<StaticFiles> {
  const prefix = (options.prefix ?? "").replace(/\/$/, "");
  const cacheControl = options.cacheControl ?? "public, max-age=0, must-revalidate";
  const index = new Map<string, StaticFile>();
  for (const relative of await listFiles(dir, ".")) {
    const file = await indexFile(
      new URL(relative, dir),
      contentTypeFor(relative),
      options.compressed,
    );
    index.set(prefix + relative.slice(1), file);
  }

  return {
    has: (pathname) => index.has(pathname),
    async serve(req, pathname) {
      if (req.method !== "GET" && req.method !== "HEAD") return null;
      const file = index.get(pathname);
      if (!file) return null;
      const headers = new Headers({
        "cache-control": cacheControl,
        "x-content-type-options": "nosniff",
      });
      if (file.encodings.length > 0) headers.set("vary", "Accept-Encoding");
      const coding = negotiateEncoding(req.headers.get("accept-encoding"), file.encodings);
      if (coding === null) {
        headers.set("content-type", "text/plain; charset=utf-8");
        return new Response("no acceptable content coding", { status: 406, headers });
      }
      const etag = etagOf(file, coding);
      headers.set("etag", etag);
      if (matchesIfNoneMatch(req.headers.get("if-none-match"), etag)) {
        return new Response(null, { status: 304, headers });
      }
      headers.set("content-type", file.contentType);
      if (coding !== "identity") headers.set("content-encoding", coding);
      if (req.method === "HEAD") return new Response(null, { headers });
      return new Response(await Deno.readFile(file.paths[coding]!), { headers });
    },
  };
}

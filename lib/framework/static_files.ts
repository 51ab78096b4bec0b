/**
 * Serving files from a folder: an index is built once at start (reads are
 * allowed everywhere, writes are not on Deno Deploy), so only files that exist
 * in the folder can ever be served and `..` tricks cannot reach outside it.
 *
 * @example
 * ```ts
 * const files = await createStaticFiles(new URL("../../static/", import.meta.url));
 * const response = await files.serve(request); // null when not a static file
 * ```
 */

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
  path: URL;
  etag: string;
  contentType: string;
}

/** Options of {@linkcode createStaticFiles}. */
export interface StaticFilesOptions {
  /** URL prefix the folder is mounted at, e.g. `/_build`. Default `/`. */
  prefix?: string;
  /** `Cache-Control` for every file. */
  cacheControl?: string;
}

/** A folder served over HTTP. */
export interface StaticFiles {
  /** A response for a GET/HEAD of a file in the folder, or `null` when it is not one. */
  serve(req: Request, pathname: string): Promise<Response | null>;
  /** Whether the (decoded) path names a file in the folder. */
  has(pathname: string): boolean;
}

async function etagOf(path: URL): Promise<string> {
  return `"${(await sha256Hex(await Deno.readFile(path))).slice(0, 20)}"`;
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
    const path = new URL(relative, dir);
    index.set(prefix + relative.slice(1), {
      path,
      etag: await etagOf(path),
      contentType: contentTypeFor(relative),
    });
  }

  return {
    has: (pathname) => index.has(pathname),
    async serve(req, pathname) {
      if (req.method !== "GET" && req.method !== "HEAD") return null;
      const file = index.get(pathname);
      if (!file) return null;
      const headers = new Headers({
        "content-type": file.contentType,
        "etag": file.etag,
        "cache-control": cacheControl,
        "x-content-type-options": "nosniff",
      });
      if (req.headers.get("if-none-match") === file.etag) {
        return new Response(null, { status: 304, headers });
      }
      if (req.method === "HEAD") return new Response(null, { headers });
      return new Response(await Deno.readFile(file.path), { headers });
    },
  };
}

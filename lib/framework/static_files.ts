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
  path: string;
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

async function* walk(dir: string, relative = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir + relative)) {
    const child = `${relative}/${entry.name}`;
    if (entry.isDirectory) yield* walk(dir, child);
    else if (entry.isFile) yield child;
  }
}

async function etagOf(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  const hex = Array.from(
    new Uint8Array(digest).slice(0, 10),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return `"${hex}"`;
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

/** Indexes `dir` (a path or file URL). A missing folder serves nothing. */
export async function createStaticFiles(
  dir: string | URL,
  options: StaticFilesOptions = {},
): Promise<StaticFiles> {
  const root = (dir instanceof URL ? dir.pathname : dir).replace(/\/$/, "");
  const prefix = (options.prefix ?? "").replace(/\/$/, "");
  const cacheControl = options.cacheControl ?? "public, max-age=0, must-revalidate";
  const index = new Map<string, StaticFile>();
  try {
    for await (const relative of walk(root)) {
      const path = root + relative;
      index.set(prefix + relative, {
        path,
        etag: await etagOf(path),
        contentType: contentTypeFor(relative),
      });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
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

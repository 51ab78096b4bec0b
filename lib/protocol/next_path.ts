/**
 * Where a page may send the browser after signing in: only a plain path of
 * this site. The server (the no-JavaScript redirect) and the login island
 * (`location.assign`) both pass `next` through {@linkcode safeNextPath}, so
 * neither can be turned into an open redirect.
 *
 * A check on the raw text is not enough, because the browser normalises a
 * URL before following it: it drops tabs and newlines anywhere
 * (`/\t/evil.example` becomes `//evil.example`), reads `\` as `/`, and
 * resolves `.` segments. So the value is parsed with the same WHATWG URL
 * parser browsers use, against a placeholder origin; only a value that stays
 * on that origin is kept, and what is returned is the parsed path itself
 * (re-checked to be a path the browser reads the same way), never the raw text.
 *
 * @example
 * ```ts
 * safeNextPath("/?room=dev"); // "/?room=dev"
 * safeNextPath("/\t/evil.example"); // "/"
 * safeNextPath("https://evil.example/"); // "/"
 * ```
 */

/** Where to go when `next` is missing or refused. */
export const DEFAULT_NEXT_PATH = "/";

/** Longer values are refused: no page of the app needs one. */
export const MAX_NEXT_LENGTH = 2048;

/** An origin no real request has, to resolve `next` against. */
const PLACEHOLDER_ORIGIN = "http://next.invalid";

/** Whether `path`, taken as a Location or `location.assign` argument, stays on the placeholder. */
function staysHome(path: string): boolean {
  try {
    return new URL(path, `${PLACEHOLDER_ORIGIN}/`).origin === PLACEHOLDER_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * `value` as a same-origin path (`/…`, with its query and fragment) once the
 * browser has normalised it, or {@linkcode DEFAULT_NEXT_PATH} when it is
 * missing, too long, not a path, or would leave the site.
 */
export function safeNextPath(value: unknown): string {
  if (typeof value !== "string" || value.length > MAX_NEXT_LENGTH || !value.startsWith("/")) {
    return DEFAULT_NEXT_PATH;
  }
  if (!staysHome(value)) return DEFAULT_NEXT_PATH;
  const url = new URL(value, `${PLACEHOLDER_ORIGIN}/`);
  const path = url.pathname + url.search + url.hash;
  // `/.//evil` parses to the path `//evil`, which on its own is another host: refuse it too.
  if (!path.startsWith("/") || path.startsWith("//") || !staysHome(path)) {
    return DEFAULT_NEXT_PATH;
  }
  return path;
}

/**
 * The load generator only ever targets this machine: a bench pointed at
 * someone else's server would be a denial-of-service tool.
 *
 * @example
 * ```ts
 * assertLoopback("ws://127.0.0.1:8000"); // returns "ws://127.0.0.1:8000"
 * assertLoopback("ws://example.com"); // throws
 * ```
 */

/** Returns `origin` if it is a `ws:` origin on 127.0.0.1; throws a clear error otherwise. */
export function assertLoopback(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(`not a URL: ${origin}`);
  }
  if (url.protocol !== "ws:" || url.hostname !== "127.0.0.1") {
    throw new Error(`the load generator targets ws://127.0.0.1 only, not ${origin}`);
  }
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new Error(`give an origin (ws://127.0.0.1:PORT), not a path: ${origin}`);
  }
  return url.origin;
}

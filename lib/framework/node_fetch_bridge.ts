/**
 * Between `node:http` and the fetch API, for the guarded server: a node
 * request becomes a `Request` for the app's handler, and the handler's
 * `Response` is written back, its body streamed with backpressure (a body
 * chunk is read only once the socket took the previous one, so an event
 * stream's queue, and with it `bufferedAmount`, grows when a client stops
 * reading, as under `Deno.serve`), and cancelled when the client goes away;
 * a body the handler had whole goes out with a `Content-Length`, as under
 * `Deno.serve`, which compressed pages and files are weighed by.
 *
 * The URL is built as `Deno.serve` builds it, `http://` + `Host` + target,
 * from origin-form targets only (`/path?query`, what browsers and proxies
 * send); a target or `Host` that cannot make one gets a 400.
 *
 * @example
 * ```ts
 * server.on("request", async (incoming, outgoing) => {
 *   const request = toRequest(incoming, { fallbackHost: "127.0.0.1:8000" });
 *   if (!request) return writeResponse(outgoing, badRequest(), incoming.method);
 *   await writeResponse(outgoing, await handler(request), incoming.method);
 * });
 * ```
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

/** A `Host` header: a name or IPv4 address, or a bracketed IPv6 address, and an optional port. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Response headers the bridge writes itself on a raw socket. */
const FRAMING_HEADERS = new Set(["content-length", "transfer-encoding", "connection"]);

/** How {@linkcode toRequest} reads the node request. */
export interface ToRequestOptions {
  /** `Host` for a request without one (HTTP/1.0): the listening address. */
  fallbackHost: string;
  /** Called when the handler stops reading the body: the connection should close after the response. */
  onBodyCancelled?(): void;
}

/** The JSON error the bridge answers itself, shaped like the app's errors. */
export function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/**
 * The fetch `Request` for a node request, or `undefined` when its target,
 * `Host` or headers cannot make one.
 */
export function toRequest(
  incoming: IncomingMessage,
  options: ToRequestOptions,
): Request | undefined {
  const target = incoming.url ?? "";
  const host = incoming.headers.host ?? options.fallbackHost;
  if (!target.startsWith("/") || !HOST.test(host)) return undefined;
  try {
    const method = incoming.method ?? "GET";
    const hasBody = method !== "GET" && method !== "HEAD";
    const request = new Request(`http://${host}${target}`, {
      method,
      ...(hasBody ? { body: requestBody(incoming, options.onBodyCancelled), duplex: "half" } : {}),
    });
    // Appended to the request's own headers: a `Headers` or a list in the init costs 5-15 µs
    // more per request (measured in Deno 2.9), a tenth of a WebSocket handshake's server time.
    const raw = incoming.rawHeaders;
    for (let index = 0; index < raw.length; index += 2) {
      request.headers.append(raw[index], raw[index + 1]);
    }
    return request;
  } catch {
    return undefined;
  }
}

/**
 * The request body as a stream that reads from the socket only as fast as
 * the handler reads. When the handler stops early (a body over its limit),
 * the rest is discarded as it arrives and the connection is marked to close
 * after the response, so it cannot be kept busy.
 */
function requestBody(
  incoming: IncomingMessage,
  onCancelled: (() => void) | undefined,
): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      incoming.pause();
      incoming.on("data", (chunk: Uint8Array) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
      });
      incoming.once("end", () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      incoming.once("error", (error) => {
        if (settled) return;
        settled = true;
        controller.error(error);
      });
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      settled = true;
      onCancelled?.();
      incoming.resume();
    },
  }, { highWaterMark: 1 });
}

/**
 * Writes `response` to `outgoing`: status, headers (each `Set-Cookie` on its
 * own line), then the body chunk by chunk. Resolves when the response ended,
 * or the client went away (the body is then cancelled).
 */
export async function writeResponse(
  outgoing: ServerResponse,
  response: Response,
  method: string | undefined,
): Promise<void> {
  outgoing.statusCode = response.status;
  if (response.statusText) outgoing.statusMessage = response.statusText;
  for (const [name, value] of response.headers) outgoing.appendHeader(name, value);
  const body = response.body;
  if (!body || method === "HEAD" || outgoing.destroyed) {
    await body?.cancel();
    outgoing.end();
    return;
  }
  const reader = body.getReader();
  // "close" also follows a normal end, when cancelling is a no-op.
  const gone = new Promise<void>((resolve) => outgoing.once("close", resolve));
  gone.then(() => reader.cancel()).catch(() => {});
  try {
    const first = await reader.read();
    const second = reader.read();
    if (first.done || (await readNow(second))?.done) {
      // The handler had the body whole (bytes, text, JSON): ended with it, node:http sends a
      // Content-Length, as Deno.serve does, rather than chunks.
      outgoing.end(first.value);
      return;
    }
    // Each chunk is read once the socket took the one before (the second was asked for early).
    const write = async (chunk: Uint8Array) => {
      if (outgoing.write(chunk)) return;
      await Promise.race([new Promise((resolve) => outgoing.once("drain", resolve)), gone]);
    };
    await write(first.value);
    for (let chunk = await second; !chunk.done; chunk = await reader.read()) {
      await write(chunk.value);
    }
    outgoing.end();
  } catch {
    // The body failed mid-way: the client must not take a cut response for a whole one.
    outgoing.destroy();
  }
}

/**
 * `read`'s result if it has settled already, else undefined, without waiting.
 * A read from a stream that has closed settles at once (the Streams standard
 * resolves it within the `read()` call), and a settled promise wins a race
 * against another settled one listed after it: so a body that ended with its
 * first chunk is known to have ended, while a stream still being written (an
 * event stream) is not waited for.
 */
function readNow<T>(read: Promise<T>): Promise<T | undefined> {
  return Promise.race([read, Promise.resolve(undefined)]);
}

/**
 * Writes `response` on a raw socket whose request was an upgrade that the
 * handler refused (a 403, 503…), then closes the socket once the response is
 * flushed: nothing is read from it any more, so waiting for the client's own
 * close would let it hold the connection for good. The body is small by
 * nature (an error), so it is read whole.
 */
export async function writeRawResponse(socket: Socket, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (socket.destroyed) return;
  const reason = response.statusText || STATUS_CODES[response.status] || "";
  let head = `HTTP/1.1 ${response.status} ${reason}\r\n`;
  for (const [name, value] of response.headers) {
    if (!FRAMING_HEADERS.has(name)) head += `${name}: ${value}\r\n`;
  }
  head += `content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n`;
  socket.write(head);
  socket.end(body, () => socket.destroy());
}

/** An address as `Deno.serve` would name it: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as plain IPv4. */
export function plainAddress(address: string | undefined): string {
  if (!address) return "";
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

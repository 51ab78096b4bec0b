/**
 * A test client for the fallback transport: reads `GET /api/events` with
 * streaming `fetch` through the parser the browser client uses, and
 * posts frames to `POST /api/send?session=`.
 *
 * @example
 * ```ts
 * await using stream = await openEventStream(server.origin, token);
 * stream.hello.session; // the session to post to
 * await stream.post({ type: "join", room: "general" });
 * await stream.nextOf("joined");
 * ```
 */
import { equal } from "node:assert/strict";
import { createParser } from "eventsource-parser";
import type { ServerFrame, ServerFrameOf } from "../../lib/protocol/frames.ts";
import { createFrameQueue } from "../_helpers/frame_queue.ts";

/** An open event stream. */
export interface TestEventStream extends AsyncDisposable {
  hello: ServerFrameOf<"hello">;
  /** The next frame not yet taken (waits for it). */
  next(): Promise<ServerFrame>;
  /** The next frame of `type`, skipping others. */
  nextOf<T extends ServerFrame["type"]>(type: T): Promise<ServerFrameOf<T>>;
  /** Posts a body (serialized as JSON unless it is a string) to this session. */
  post(body: unknown, options?: { token?: string; session?: string }): Promise<Response>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
}

/** `GET /api/events` with a bearer token, answered but not read. */
export function requestEventStream(
  origin: string,
  token: string | undefined,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${origin}/api/events`, {
    headers: { accept: "text/event-stream", ...headers, ...bearer(token) },
    signal,
  });
}

function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** Opens a stream and waits for `hello`. */
export async function openEventStream(origin: string, token: string): Promise<TestEventStream> {
  const abort = new AbortController();
  const response = await requestEventStream(origin, token, {}, abort.signal);
  equal(response.status, 200, `GET /api/events answered ${response.status}`);
  equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");

  const frames = createFrameQueue();
  const parser = createParser({
    onEvent: ({ data }) => frames.push(JSON.parse(data) as ServerFrame),
  });
  const ended = (async () => {
    try {
      for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
        parser.feed(chunk);
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();

  const hello = await frames.next();
  equal(hello.type, "hello", "hello comes first");

  return {
    hello: hello as ServerFrameOf<"hello">,
    next: frames.next,
    nextOf: frames.nextOf,
    async post(body, options = {}) {
      const session = options.session ?? (hello as ServerFrameOf<"hello">).session;
      const response = await fetch(`${origin}/api/send?session=${encodeURIComponent(session)}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer(options.token ?? token) },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      await response.body?.cancel();
      return response;
    },
    ended,
    async [Symbol.asyncDispose]() {
      abort.abort();
      await ended;
    },
  };
}

/**
 * The fallback transport for networks where WebSockets do not get through:
 * server frames arrive on `GET /api/events` (a `text/event-stream` read with
 * streaming `fetch`), client frames go out on `POST /api/send?session=ID`,
 * both with `Authorization: Bearer <token>`. Frames, limits and resume are the
 * same as over the WebSocket.
 *
 * Sends are posted one request at a time, so they reach the server in order;
 * frames queued while a request is in flight go together as one JSON array.
 * The stream is read with `eventsource-parser` (the wire format's line
 * endings split across chunks, comments, `id`, `retry` and a byte order mark);
 * each event's data is one frame.
 *
 * @example
 * ```ts
 * const connect = createHttpTransport({
 *   eventsUrl: "https://chat.example/api/events",
 *   sendUrl: "https://chat.example/api/send",
 * });
 * const transport = connect(token, events);
 * ```
 */
import { createParser } from "eventsource-parser";
import { CloseCode } from "../protocol/codes.ts";
import type { ClientFrame } from "../protocol/frames.ts";
import { readServerFrame } from "../protocol/guards.ts";
import type { Transport, TransportClose, TransportEvents, TransportFactory } from "./transport.ts";

/** Options of {@linkcode createHttpTransport}. */
export interface HttpTransportOptions {
  /** The URL of `GET /api/events`. */
  eventsUrl: string;
  /** The URL of `POST /api/send` (the transport adds `?session=`). */
  sendUrl: string;
  fetch?: typeof fetch;
}

/**
 * The most characters the stream may hold without ending an event: far more
 * than the largest frame (a page of history), so only a broken stream reaches it.
 */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/** The WebSocket close code that stands for an HTTP error status. */
export function closeCodeForStatus(status: number): number {
  if (status === 400) return CloseCode.BAD_REQUEST;
  if (status === 401) return CloseCode.UNAUTHORIZED;
  if (status === 403) return CloseCode.FORBIDDEN;
  if (status === 409) return CloseCode.TOO_MANY_CONNECTIONS;
  if (status === 429) return CloseCode.RATE_LIMITED;
  if (status >= 500) return CloseCode.SERVER_ERROR;
  return 1006;
}

async function describeFailure(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const message = JSON.parse(text)?.error?.message;
    if (typeof message === "string") return message;
  } catch {
    // Not the contract's JSON error body; the status says enough.
  }
  return `HTTP ${response.status}`;
}

/** Creates the {@linkcode TransportFactory} of the HTTP fallback transport. */
export function createHttpTransport(options: HttpTransportOptions): TransportFactory {
  const { eventsUrl, sendUrl, fetch: fetchFn = globalThis.fetch } = options;

  return (initialToken: string, events: TransportEvents): Transport => {
    let token = initialToken;
    let ended = false;
    let session: string | null = null;
    let queue: ClientFrame[] = [];
    let posting = false;
    const abort = new AbortController();

    const end = (close: TransportClose) => {
      if (ended) return;
      ended = true;
      abort.abort();
      events.onClose(close);
    };

    const post = async () => {
      if (posting || ended || session === null || queue.length === 0) return;
      posting = true;
      const frames = queue;
      queue = [];
      try {
        const url = `${sendUrl}?session=${encodeURIComponent(session)}`;
        const response = await fetchFn(url, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(frames.length === 1 ? frames[0] : frames),
          signal: abort.signal,
        });
        if (!response.ok) {
          end({
            code: closeCodeForStatus(response.status),
            reason: await describeFailure(response),
          });
          return;
        }
        await response.body?.cancel();
      } catch (error) {
        end({ code: 1006, reason: `send failed: ${(error as Error).message}` });
        return;
      } finally {
        posting = false;
      }
      void post();
    };

    const read = async () => {
      let response: Response;
      try {
        response = await fetchFn(eventsUrl, {
          headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
          signal: abort.signal,
        });
      } catch (error) {
        end({ code: 1006, reason: `event stream failed: ${(error as Error).message}` });
        return;
      }
      if (!response.ok || !response.body) {
        end({ code: closeCodeForStatus(response.status), reason: await describeFailure(response) });
        return;
      }
      if (ended) {
        await response.body.cancel();
        return;
      }
      events.onOpen();
      const parser = createParser({
        maxBufferSize: MAX_EVENT_CHARS,
        onEvent({ data }) {
          if (ended) return;
          const result = readServerFrame(data);
          if (!result.ok) return events.onInvalidFrame(result.error);
          if (result.frame.type === "hello") session = result.frame.session;
          events.onFrame(result.frame);
          void post();
        },
        onError(error) {
          // Other errors are lines the format says to skip; a runaway event ends the stream.
          if (error.type === "max-buffer-size-exceeded") {
            end({ code: CloseCode.TOO_BIG, reason: "event stream: an event without an end" });
          }
        },
      });
      try {
        for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
          if (ended) break;
          parser.feed(chunk);
        }
        end({ code: 1006, reason: "event stream ended" });
      } catch (error) {
        end({ code: 1006, reason: `event stream broke: ${(error as Error).message}` });
      }
    };

    void read();

    return {
      kind: "http",
      send(frame) {
        if (ended) return;
        queue.push(frame);
        void post();
      },
      updateToken(fresh) {
        token = fresh;
      },
      close() {
        if (ended) return;
        ended = true;
        abort.abort();
      },
    };
  };
}

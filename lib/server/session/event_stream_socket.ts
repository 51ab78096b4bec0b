/**
 * The server end of one fallback session: a `text/event-stream` response body
 * that a hub connection writes to as it would to a WebSocket. Each
 * frame becomes one event whose `data` is the frame's JSON (JSON text has no
 * raw line breaks, so one `data:` line always holds it).
 *
 * The stream counts queued bytes, not chunks, so `bufferedAmount` tells the
 * slow-consumer check how far behind the client's reading is. Closing for that
 * reason (1008) drops what is queued and aborts the response: the client is
 * not reading it, and holding it is what the close is for.
 *
 * @example
 * ```ts
 * const stream = createEventStreamSocket();
 * const connection = hub.attach(stream, admission, "sse");
 * stream.closed.then((code) => hub.detach(connection, code));
 * return new Response(stream.body, { headers: EVENT_STREAM_HEADERS });
 * ```
 */
import { CloseCode } from "../../protocol/codes.ts";
import type { ConnectionSocket } from "./connection.ts";

/** Response headers of an event stream: never cached, never buffered by a proxy. */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  "x-accel-buffering": "no",
};

/** An event stream that a hub connection can write to. */
export interface EventStreamSocket extends ConnectionSocket {
  /** The response body to hand to the client. */
  readonly body: ReadableStream<Uint8Array>;
  /**
   * Resolves once the stream ended: with the code given to `close`, or 1001
   * (going away) when the client stopped reading.
   */
  readonly closed: Promise<number>;
}

/** Creates an open {@linkcode EventStreamSocket}. */
export function createEventStreamSocket(): EventStreamSocket {
  const encoder = new TextEncoder();
  const closed = Promise.withResolvers<number>();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;

  const end = (code: number) => {
    if (ended) return;
    ended = true;
    closed.resolve(code);
  };

  const body = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
    },
    cancel() {
      end(CloseCode.GOING_AWAY);
    },
  }, { highWaterMark: 0, size: (chunk) => chunk.byteLength });

  return {
    body,
    closed: closed.promise,
    get bufferedAmount() {
      return Math.max(0, -(controller.desiredSize ?? 0));
    },
    send(text) {
      if (ended) throw new Error("the event stream has ended");
      controller.enqueue(encoder.encode(`data: ${text}\n\n`));
    },
    close(code) {
      if (ended) return;
      if (code === CloseCode.POLICY) controller.error(new Error("slow consumer"));
      // Otherwise what is queued (a `reconnect`, an `error`) is still delivered before the end.
      else controller.close();
      end(code);
    },
  };
}

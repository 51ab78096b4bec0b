/**
 * The WebSocket transport: `GET /api/ws` offering the subprotocols
 * `switchboard.v1` and `switchboard.bearer.<token>` (a browser cannot set an
 * `Authorization` header on a WebSocket).
 *
 * @example
 * ```ts
 * const connect = createWebSocketTransport({ url: "wss://chat.example/api/ws" });
 * const transport = connect(token, events);
 * ```
 */
import type { ClientFrame } from "../protocol/frames.ts";
import { readServerFrame } from "../protocol/guards.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../protocol/version.ts";
import type { Transport, TransportEvents, TransportFactory } from "./transport.ts";

/** The part of the `WebSocket` API the transport uses, so tests can script a socket. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket; the default is `new WebSocket(url, protocols)`. */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

const OPEN = 1;

/** Options of {@linkcode createWebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** The `ws:` or `wss:` URL of `/api/ws`. */
  url: string;
  createWebSocket?: WebSocketFactory;
}

/** Creates the {@linkcode TransportFactory} of the WebSocket transport. */
export function createWebSocketTransport(options: WebSocketTransportOptions): TransportFactory {
  const { url, createWebSocket = (url, protocols) => new WebSocket(url, protocols) } = options;

  return (token: string, events: TransportEvents): Transport => {
    const socket = createWebSocket(url, [PROTOCOL, BEARER_PROTOCOL_PREFIX + token]);
    let ended = false;

    const detach = () => {
      ended = true;
      socket.onopen =
        socket.onmessage =
        socket.onclose =
        socket.onerror =
          null;
    };

    socket.onopen = () => events.onOpen();
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") {
        events.onInvalidFrame({ field: "", message: "binary frames are not part of the protocol" });
        return;
      }
      const result = readServerFrame(event.data);
      if (result.ok) events.onFrame(result.frame);
      else events.onInvalidFrame(result.error);
    };
    // An `error` event is always followed by `close`, which carries the code.
    socket.onerror = () => {};
    socket.onclose = (event) => {
      detach();
      events.onClose({ code: event.code, reason: event.reason });
    };

    return {
      kind: "websocket",
      send(frame: ClientFrame) {
        if (!ended && socket.readyState === OPEN) socket.send(JSON.stringify(frame));
      },
      updateToken() {
        // The token only matters for the upgrade; a refresh travels as an `auth` frame.
      },
      close(code, reason) {
        if (ended) return;
        detach();
        try {
          socket.close(code, reason);
        } catch {
          // Closing a socket that is still connecting may throw; it is abandoned either way.
        }
      },
    };
  };
}

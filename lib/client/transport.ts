/**
 * What the client needs from a transport: open with a token, deliver server
 * frames, carry client frames, report how it closed. The WebSocket and the
 * HTTP fallback both fit it, so the client runs the same logic over either.
 *
 * @example
 * ```ts
 * const connect: TransportFactory = createWebSocketTransport({ url: "wss://chat.example/api/ws" });
 * const transport = connect(token, {
 *   onOpen: () => {},
 *   onFrame: (frame) => console.log(frame.type),
 *   onInvalidFrame: (error) => console.warn(error.message),
 *   onClose: ({ code, reason }) => console.log(code, reason),
 * });
 * transport.send({ type: "ping", t: Date.now() });
 * ```
 */
import type { ClientFrame, FrameError, ServerFrame } from "../protocol/mod.ts";

/** `websocket`, or `http` for the fallback (`GET /api/events` + `POST /api/send`). */
export type TransportKind = "websocket" | "http";

/** How a transport ended, as a WebSocket close code and reason. */
export interface TransportClose {
  code: number;
  reason: string;
}

/** Callbacks of a transport. None is called after the client closes it itself. */
export interface TransportEvents {
  /** The socket opened, or the event stream answered; `hello` has not arrived yet. */
  onOpen(): void;
  onFrame(frame: ServerFrame): void;
  /** A frame that does not match the contract; it is dropped. */
  onInvalidFrame(error: FrameError): void;
  /** Called once, when the transport ended without the client closing it. */
  onClose(close: TransportClose): void;
}

/** One connection over some transport. */
export interface Transport {
  readonly kind: TransportKind;
  /** Sends a frame; frames sent before the connection can carry them are dropped. */
  send(frame: ClientFrame): void;
  /** Uses `token` for whatever the transport authenticates from now on. */
  updateToken(token: string): void;
  /** Ends the connection; no callback follows. */
  close(code: number, reason: string): void;
}

/** Opens a transport with an access token. */
export type TransportFactory = (token: string, events: TransportEvents) => Transport;

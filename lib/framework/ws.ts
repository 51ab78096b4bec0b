/**
 * A managed WebSocket route over `Deno.upgradeWebSocket` (or, under a guarded
 * server set so, the framework's own WebSocket, `own_web_socket.ts`), like Fresh 2.3's
 * `app.ws`: the framework refuses non-upgrade requests, lets `upgrade` inspect
 * the request (and refuse it with a plain HTTP response, or with a close code
 * right after the upgrade), then wires events.
 *
 * A refusal by close code never makes a WebSocket under the guarded server:
 * the 101 and the close are written on the raw socket, which is destroyed
 * within a second (see `upgrade_refusal.ts`). And every accepted socket's
 * close handshake is bounded: a peer that has not answered the server's close
 * within `closeTimeoutMs` is cut off (see `close_handshake.ts`), so nobody
 * keeps memory on a socket the server is done with.
 *
 * No event handler can throw past itself: an exception (or a rejected promise)
 * would otherwise reach the runtime as uncaught and end the whole process, every
 * other socket with it. The framework closes that one socket with 1011 and hands
 * the error to the route's `failed` hook, so the app logs it its own way.
 *
 * @example
 * ```ts
 * app.ws<{ user: string }>("/echo", {
 *   upgrade: (ctx) => {
 *     const user = ctx.url.searchParams.get("u");
 *     return user ? { data: { user } } : { refuse: { code: 4401, reason: "who are you?" } };
 *   },
 *   message: (socket, event) => socket.send(String(event.data)),
 * });
 * ```
 */
import type { Context } from "./context.ts";
import {
  type CloseRefusal,
  refuseWebSocket,
  type ServerWebSocket,
  upgradeToWebSocket,
} from "./socket_handover.ts";

/** How to accept an upgrade. */
export interface WsAccept<Data> {
  /** The subprotocol to select, if any. */
  protocol?: string;
  /**
   * Seconds without a pong before Deno's WebSocket drops the TCP peer (Deno's default is 120).
   * The framework's own WebSocket bounds each message's time instead, and sends no pings.
   */
  idleTimeout?: number;
  /** How long the peer has to answer the server's close before it is cut off. Default 2 000. */
  closeTimeoutMs?: number;
  /** Per-socket data handed to every event handler. */
  data: Data;
}

/**
 * How to refuse an upgrade with a close code: the client sees the upgrade
 * succeed and the socket close at once with `refuse.code` (no event handler
 * runs). Select a subprotocol the client offered in `protocol`, or a client
 * that requires one fails the handshake and never sees the code.
 */
export interface WsRefusal {
  refuse: Omit<CloseRefusal, "protocol">;
  protocol?: string;
}

/** What `upgrade` decides. */
export type WsDecision<Data> = WsAccept<Data> | WsRefusal | Response;

/** The event handlers of a WebSocket route. */
export interface WsHandlers<State, Data> {
  /**
   * Decides before the upgrade: a `Response` refuses it (no upgrade
   * happens), a {@linkcode WsRefusal} refuses it with a close code.
   */
  upgrade(ctx: Context<State>): WsDecision<Data> | Promise<WsDecision<Data>>;
  /** Sees a request that is not an upgrade (it gets a 400), e.g. to count it. */
  notUpgrade?(ctx: Context<State>): void;
  open?(socket: ServerWebSocket, data: Data): void;
  message?(socket: ServerWebSocket, event: MessageEvent, data: Data): void;
  close?(socket: ServerWebSocket, event: CloseEvent, data: Data): void;
  error?(socket: ServerWebSocket, event: Event, data: Data): void;
  /**
   * An event handler threw, or its promise rejected; the socket is being closed
   * with 1011. Without this hook the error goes to `console.error`.
   */
  failed?(socket: ServerWebSocket, error: unknown, data: Data): void;
}

/** The close code for a socket whose handler failed: the server's own error. */
const SERVER_ERROR = 1011;

const SOCKET_EVENTS = ["open", "message", "close", "error"] as const;

/**
 * Hands one socket's events to the route's handlers. One object per socket
 * whose method every socket shares, rather than a closure per socket and event.
 */
class SocketEvents<State, Data> implements EventListenerObject {
  #socket: ServerWebSocket;
  #handlers: WsHandlers<State, Data>;
  #data: Data;

  constructor(socket: ServerWebSocket, handlers: WsHandlers<State, Data>, data: Data) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#data = data;
  }

  handleEvent(event: Event): void {
    try {
      const outcome: unknown = this.#dispatch(event);
      if (outcome instanceof Promise) outcome.catch((error) => this.#fail(error));
    } catch (error) {
      this.#fail(error);
    }
  }

  #dispatch(event: Event): void {
    switch (event.type) {
      case "open":
        return this.#handlers.open?.(this.#socket, this.#data);
      case "message":
        return this.#handlers.message?.(this.#socket, event as MessageEvent, this.#data);
      case "close":
        return this.#handlers.close?.(this.#socket, event as CloseEvent, this.#data);
      case "error":
        return this.#handlers.error?.(this.#socket, event, this.#data);
    }
  }

  #fail(error: unknown): void {
    try {
      if (this.#handlers.failed) this.#handlers.failed(this.#socket, error, this.#data);
      else console.error("websocket handler failed:", error);
    } catch (reportError) {
      console.error("websocket handler failed, and so did its failed hook:", error, reportError);
    }
    try {
      this.#socket.close(SERVER_ERROR, "server error");
    } catch {
      // Still connecting or already closed: nothing more to end.
    }
  }
}

/**
 * Whether `req` is a WebSocket upgrade with what one needs. A request that is
 * not is answered 400 before the route sees it, rather than failing inside
 * Deno's upgrade (a 500).
 */
function isWebSocketUpgrade(req: Request): boolean {
  const connection = (req.headers.get("connection") ?? "").toLowerCase().split(",");
  return req.headers.get("upgrade")?.toLowerCase() === "websocket" &&
    connection.some((token) => token.trim() === "upgrade") &&
    Boolean(req.headers.get("sec-websocket-key"));
}

/**
 * Performs the upgrade for a route; used by `App.ws`. A request that is not an
 * upgrade gets `badRequest`'s answer (the app words its errors).
 */
export async function upgradeWebSocket<State, Data>(
  ctx: Context<State>,
  handlers: WsHandlers<State, Data>,
  badRequest: (message: string) => Response,
): Promise<Response> {
  if (!isWebSocketUpgrade(ctx.req)) {
    handlers.notUpgrade?.(ctx);
    return badRequest("expected a WebSocket upgrade");
  }
  const decision = await handlers.upgrade(ctx);
  if (decision instanceof Response) return decision;
  if ("refuse" in decision) {
    return refuseWebSocket(ctx.req, ctx.info, { ...decision.refuse, protocol: decision.protocol });
  }
  const { socket, response } = upgradeToWebSocket(ctx.req, ctx.info, {
    protocol: decision.protocol,
    idleTimeout: decision.idleTimeout,
    closeTimeoutMs: decision.closeTimeoutMs,
  });
  const events = new SocketEvents(socket, handlers, decision.data);
  for (const type of SOCKET_EVENTS) if (handlers[type]) socket.addEventListener(type, events);
  return response;
}

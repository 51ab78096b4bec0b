/**
 * A managed WebSocket route over `Deno.upgradeWebSocket`, like Fresh 2.3's
 * `app.ws`: the framework refuses non-upgrade requests, lets `upgrade` inspect
 * the request (and refuse it with a plain HTTP response), then wires events.
 *
 * @example
 * ```ts
 * app.ws<{ user: string }>("/echo", {
 *   upgrade: (ctx) => ({ data: { user: ctx.url.searchParams.get("u") ?? "anon" } }),
 *   message: (socket, event) => socket.send(String(event.data)),
 * });
 * ```
 */
import type { Context } from "./context.ts";

/** How to accept an upgrade. */
export interface WsAccept<Data> {
  /** The subprotocol to select, if any. */
  protocol?: string;
  /** Seconds without a pong before Deno drops the TCP peer (Deno's default is 120). */
  idleTimeout?: number;
  /** Per-socket data handed to every event handler. */
  data: Data;
}

/** The event handlers of a WebSocket route. */
export interface WsHandlers<State, Data> {
  /** Decides before the upgrade: a `Response` refuses it (no upgrade happens). */
  upgrade(ctx: Context<State>): WsAccept<Data> | Response | Promise<WsAccept<Data> | Response>;
  /** Sees a request that is not an upgrade (it gets a 400), e.g. to count it. */
  notUpgrade?(ctx: Context<State>): void;
  open?(socket: WebSocket, data: Data): void;
  message?(socket: WebSocket, event: MessageEvent, data: Data): void;
  close?(socket: WebSocket, event: CloseEvent, data: Data): void;
  error?(socket: WebSocket, event: Event, data: Data): void;
}

/** Performs the upgrade for a route; used by `App.ws`. */
export async function upgradeWebSocket<State, Data>(
  ctx: Context<State>,
  handlers: WsHandlers<State, Data>,
): Promise<Response> {
  const upgradeHeader = ctx.req.headers.get("upgrade");
  if (upgradeHeader?.toLowerCase() !== "websocket") {
    handlers.notUpgrade?.(ctx);
    return Response.json(
      { error: { code: "bad_request", message: "expected a WebSocket upgrade" } },
      { status: 400 },
    );
  }
  const decision = await handlers.upgrade(ctx);
  if (decision instanceof Response) return decision;
  const { socket, response } = Deno.upgradeWebSocket(ctx.req, {
    protocol: decision.protocol,
    idleTimeout: decision.idleTimeout,
  });
  const data = decision.data;
  if (handlers.open) socket.addEventListener("open", () => handlers.open!(socket, data));
  if (handlers.message) {
    socket.addEventListener("message", (event) => handlers.message!(socket, event, data));
  }
  if (handlers.close) {
    socket.addEventListener("close", (event) => handlers.close!(socket, event, data));
  }
  if (handlers.error) {
    socket.addEventListener("error", (event) => handlers.error!(socket, event, data));
  }
  return response;
}

/**
 * Upgrading a request to a WebSocket under either server. Under `Deno.serve`
 * (`deno serve`, Deno Deploy) the request carries its own connection and
 * `Deno.upgradeWebSocket` needs nothing more. Under the guarded `node:http`
 * server (`guarded_server.ts`) the request comes with a {@linkcode
 * SocketHandover}: the TCP socket and the bytes read past the head, which
 * `Deno.upgradeWebSocket` takes over with `{ socket, head }`. The server is
 * told which WebSocket took the socket, because it counts the connection
 * until that WebSocket closes: the `node:net` socket itself never reports
 * its close once its stream was taken.
 *
 * @example
 * ```ts
 * const handler = (req: Request, info: ServeInfo) => {
 *   const { socket, response } = upgradeToWebSocket(req, info, { protocol: "chat.v1" });
 *   socket.onmessage = (event) => socket.send(event.data);
 *   return response;
 * };
 * ```
 */
import type { Socket } from "node:net";

/** A request's TCP connection, handed over for a WebSocket upgrade. */
export interface SocketHandover {
  socket: Socket;
  /** Bytes that arrived after the request head (early WebSocket frames). */
  head: Uint8Array;
  /** Told which WebSocket now owns the socket. */
  adopt(webSocket: WebSocket): void;
}

/** What a handler learns besides the request: Deno's info, plus the handover under the guarded server. */
export interface ServeInfo extends Deno.ServeHandlerInfo {
  handover?: SocketHandover;
}

/** The options of `Deno.upgradeWebSocket` that a route chooses. */
export interface UpgradeOptions {
  protocol?: string;
  idleTimeout?: number;
}

/** Upgrades `req` to a WebSocket, over the handed-over socket when there is one. */
export function upgradeToWebSocket(
  req: Request,
  info: ServeInfo,
  options: UpgradeOptions,
): Deno.WebSocketUpgrade {
  const handover = info.handover;
  if (!handover) return Deno.upgradeWebSocket(req, options);
  const upgrade = Deno.upgradeWebSocket(req, {
    ...options,
    socket: handover.socket,
    head: handover.head,
  });
  handover.adopt(upgrade.socket);
  return upgrade;
}

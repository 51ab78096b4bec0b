/**
 * Upgrading a request to a WebSocket under either server, or refusing it
 * with a close code. Under `Deno.serve` (`deno serve`, Deno Deploy) the
 * request carries its own connection and `Deno.upgradeWebSocket` needs
 * nothing more. Under the guarded `node:http` server (`guarded_server.ts`)
 * the request comes with a {@linkcode SocketHandover}: the TCP socket and the
 * bytes read past the head, which the server accepts with the engine it was
 * given: `Deno.upgradeWebSocket` with `{ socket, head }`, or the framework's
 * own WebSocket (`own_web_socket.ts`), which bounds each message as it
 * arrives. A refusal is written on the handed-over socket itself
 * (`upgrade_refusal.ts`), so a refused client never reaches Deno's
 * WebSocket and what it sends after is never buffered.
 *
 * @example
 * ```ts
 * const handler = (req: Request, info: ServeInfo) => {
 *   if (!req.headers.has("authorization")) {
 *     return refuseWebSocket(req, info, { code: 4401, reason: "token missing" });
 *   }
 *   const { socket, response } = upgradeToWebSocket(req, info, { protocol: "chat.v1" });
 *   socket.onmessage = (event) => socket.send(event.data);
 *   return response;
 * };
 * ```
 */
import type { Socket } from "node:net";
import { boundCloseHandshake, CLOSE_HANDSHAKE_TIMEOUT_MS } from "./close_handshake.ts";
import type { OwnWebSocket } from "./own_web_socket.ts";

/** A refusal as a close code, sent right after the upgrade. */
export interface CloseRefusal {
  code: number;
  /** At most 123 bytes of UTF-8 are sent; a longer reason is cut. */
  reason: string;
  /** The subprotocol to select (one the client offered), so a client that requires one sees the close. */
  protocol?: string;
}

/** A server-side WebSocket: Deno's, or the framework's own (under the guarded server, if set so). */
export type ServerWebSocket = WebSocket | OwnWebSocket;

/** What an accepted upgrade gives: the socket, and the response for the handler to return. */
export interface ServerWebSocketUpgrade {
  socket: ServerWebSocket;
  response: Response;
}

/** A request's TCP connection, handed over for a WebSocket upgrade. */
export interface SocketHandover {
  socket: Socket;
  /** Bytes that arrived after the request head (early WebSocket frames). */
  head: Uint8Array;
  /**
   * Accepts the upgrade on the socket, with the engine the server was given
   * (`upgradeToWebSocket` bounds a Deno WebSocket's close handshake).
   */
  accept(req: Request, options: UpgradeOptions): ServerWebSocketUpgrade;
  /** Answers the upgrade on the socket itself with a 101 and an immediate close. */
  refuse(refusal: CloseRefusal): void;
}

/** What a handler learns besides the request: Deno's info, plus the handover under the guarded server. */
export interface ServeInfo extends Deno.ServeHandlerInfo {
  handover?: SocketHandover;
}

/** How a route accepts an upgrade. */
export interface UpgradeOptions {
  protocol?: string;
  /** Seconds without a pong before Deno's WebSocket drops the peer (the framework's own sends no pings). */
  idleTimeout?: number;
  /** How long the peer has to answer the server's close. Default 2 000. */
  closeTimeoutMs?: number;
}

/**
 * A `node:net` socket's native handle, which the guarded server's upgrade
 * path stops, restarts and closes itself (`node:net` has no public call for
 * a socket whose stream another owner may take).
 */
export interface HandedOverSocket {
  _handle: { readStart(): number; readStop(): number; close(): void } | null;
}

/**
 * The response a handler returns for a refusal already written on the
 * handed-over socket. It is never sent: the guarded server sends nothing
 * more once the socket was taken.
 */
export const ANSWERED_ON_SOCKET = 204;

/** The subprotocols a `Sec-WebSocket-Protocol` header offers, in its order. */
export function offeredProtocols(header: string | null | undefined): string[] {
  return (header ?? "").split(",").map((protocol) => protocol.trim()).filter(Boolean);
}

/**
 * Upgrades `req` to a WebSocket, over the handed-over socket when there is
 * one; every close handshake is bounded by `closeTimeoutMs`.
 */
export function upgradeToWebSocket(
  req: Request,
  info: ServeInfo,
  options: UpgradeOptions,
): ServerWebSocketUpgrade {
  const upgrade = info.handover ? info.handover.accept(req, options) : Deno.upgradeWebSocket(req, {
    protocol: options.protocol,
    idleTimeout: options.idleTimeout,
  });
  // The framework's own WebSocket cuts its close handshake itself; Deno's needs it done.
  if (upgrade.socket instanceof WebSocket) {
    boundCloseHandshake(upgrade.socket, options.closeTimeoutMs ?? CLOSE_HANDSHAKE_TIMEOUT_MS);
  }
  return upgrade;
}

/**
 * Completes the upgrade only to close at once with `refusal.code`: on the
 * handed-over socket when there is one, else with Deno's WebSocket, closed
 * as it opens (its close handshake bounded like any other).
 */
export function refuseWebSocket(req: Request, info: ServeInfo, refusal: CloseRefusal): Response {
  if (info.handover) {
    info.handover.refuse(refusal);
    return new Response(null, { status: ANSWERED_ON_SOCKET });
  }
  const { socket, response } = Deno.upgradeWebSocket(req, { protocol: refusal.protocol });
  boundCloseHandshake(socket);
  socket.addEventListener("open", () => socket.close(refusal.code, refusal.reason), {
    once: true,
  });
  return response;
}

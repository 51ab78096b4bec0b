/**
 * The HTTP server that `serve.ts` (and so `deno task start` and the single
 * binary) listens with: `node:http` in front of the app's fetch handler, for
 * the guards `Deno.serve` does not have.
 *
 * Why not `Deno.serve`: its accept loop (Deno 2.9, `ext/http/http_next.rs`)
 * ends on the first accept error, and the `finished` promise it rejects is
 * unhandled under `deno serve`, so at the open-files limit ("Too many open
 * files") the whole process exits; ~1 000 half-sent request heads at
 * `ulimit -n 1024` are enough. It has no timeout for a request head that never
 * completes, no cap on connections, and the handler only sees a connection
 * once a head arrived, so the app cannot count connections either.
 *
 * What this server does instead:
 * - **Head and request timeouts.** `node:http` closes a connection whose head
 *   has not arrived in full `headersTimeoutMs` after its first byte (or the
 *   connect), and one whose body is still arriving after `requestTimeoutMs`,
 *   with a 408. Idle keep-alive connections close after `keepAliveTimeoutMs`.
 * - **Connection caps at accept** ({@linkcode createConnectionAdmission}): in
 *   all, below the open-files limit, so `accept` never fails; and per
 *   address, so one host cannot take every slot. A connection over a cap is
 *   closed at once, before a byte of it is read; the ones already open are
 *   served as before, and new ones are accepted again as soon as slots free.
 *   `node:http`'s own `maxConnections` is not used: in Deno 2.9 its count
 *   never goes down for sockets handed to a WebSocket.
 * - **WebSockets.** An upgrade request reaches the handler with a
 *   {@linkcode SocketHandover}. By default `Deno.upgradeWebSocket(req,
 *   { socket, head })` takes the TCP stream out of `node:net`, and from then on
 *   the socket is Deno's native WebSocket, the same as under `Deno.serve`;
 *   with `ownWebSockets` it is the framework's own (`own_web_socket.ts`), on
 *   the `node:net` socket, which bounds every message as it arrives. Either
 *   way its slot is held until that WebSocket closes.
 * - **Refusals never become WebSockets.** An upgrade the handler refuses
 *   with a close code is answered on the raw socket (`upgrade_refusal.ts`):
 *   a 101, the close frame, at most 16 KiB read and dropped, and the socket
 *   destroyed within a second, whatever the client sends.
 *
 * Connections carry HTTP/1.1 only (no TLS, no HTTP/2): TLS ends at the proxy
 * in front, as `docs/operations.md` sets up. `main.ts` still exports
 * `{ fetch }` for `deno serve` and Deno Deploy, where these guards are not
 * this server's (on Deploy the platform's edge holds the client connections).
 *
 * @example
 * ```ts
 * const server = await serveGuarded(app.handler(), {
 *   hostname: "127.0.0.1",
 *   port: 8000,
 *   headersTimeoutMs: 10_000,
 *   requestTimeoutMs: 30_000,
 *   maxConnections: 900,
 *   maxConnectionsPerAddress: 100,
 *   onDrop: (reason, address) => console.warn("dropped", reason, address),
 * });
 * server.addr.port; // 8000
 * ```
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type AdmissionRefusal, createConnectionAdmission } from "./connection_admission.ts";
import {
  errorResponse,
  plainAddress,
  toRequest,
  writeRawResponse,
  writeResponse,
} from "./node_fetch_bridge.ts";
import { acceptOwnWebSocket, type OwnWebSocketLimits } from "./own_web_socket.ts";
import {
  ANSWERED_ON_SOCKET,
  type CloseRefusal,
  type HandedOverSocket,
  type ServeInfo,
  type ServerWebSocketUpgrade,
  type SocketHandover,
  type UpgradeOptions,
} from "./socket_handover.ts";
import { refuseOnSocket } from "./upgrade_refusal.ts";
import type { UpgradeHandshake } from "./ws_handshake.ts";

/** Why a connection was closed before its request was served. */
export type DropReason = AdmissionRefusal | "timeout";

/** The app's handler, as `Deno.serve` would call it. */
export type FetchHandler = (req: Request, info: ServeInfo) => Response | Promise<Response>;

/**
 * The listen queue (the kernel caps it at `net.core.somaxconn`, 4 096 on
 * current Linux). Connections wait there until the isolate's event loop
 * accepts them; `node:http` accepts on the JavaScript thread, slower in a
 * connect storm than `Deno.serve`'s native accept, so the queue is deeper
 * than Deno's and Node's 511, or a burst overflows it and each overflowed
 * client waits a second for its SYN to be retried.
 */
export const LISTEN_BACKLOG = 4096;

/** Largest request head, in bytes; more is answered 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Options of {@linkcode serveGuarded}. */
export interface GuardedServerOptions {
  hostname: string;
  /** 0 for any free port. */
  port: number;
  /** Bind with SO_REUSEPORT, so other isolates or processes may listen on the port too. */
  reusePort?: boolean;
  /** A request head must arrive in full within this long. */
  headersTimeoutMs: number;
  /** A whole request, head and body, must arrive within this long. */
  requestTimeoutMs: number;
  /** How long a kept-alive connection may wait for its next request. Default 5 000. */
  keepAliveTimeoutMs?: number;
  /** TCP connections held at once (WebSockets included). */
  maxConnections: number;
  /** TCP connections held at once from one address. */
  maxConnectionsPerAddress: number;
  /** Addresses not capped per address, e.g. trusted proxies that carry many clients. */
  isExempt?(address: string): boolean;
  /** Told of each connection closed before it was served: over a cap, or its request too slow. */
  onDrop?(reason: DropReason, address: string): void;
  /** Told of errors no request owns (the handler's own are answered with a 500). */
  onError?(error: unknown): void;
  /**
   * Accept upgrades with the framework's own WebSocket, with these bounds,
   * instead of Deno's (which buffers a message of up to 64 MiB before anyone
   * sees its size).
   */
  ownWebSockets?: OwnWebSocketLimits;
}

/** A listening {@linkcode serveGuarded} server. */
export interface GuardedServer {
  readonly addr: Deno.NetAddr;
  /** TCP connections held now, WebSockets included. */
  readonly openConnections: number;
  /** Stops accepting and closes idle keep-alive connections; open requests and WebSockets go on. */
  close(): void;
}

/** A connection admitted at accept: who it is, and how to give its slot back. */
interface Admitted {
  address: string;
  port: number;
  release(): void;
}

/** Answers `node:http` gives when it closes a connection on its own. */
const CLIENT_ERROR_RESPONSES: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n",
  HPE_HEADER_OVERFLOW: "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
};
const BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";

/** Starts the server; resolves once it listens. */
export async function serveGuarded(
  handler: FetchHandler,
  options: GuardedServerOptions,
): Promise<GuardedServer> {
  const onError = options.onError ?? ((error) => console.error(error));
  const admission = createConnectionAdmission({
    max: options.maxConnections,
    maxPerAddress: options.maxConnectionsPerAddress,
    isExempt: options.isExempt,
  });
  const admitted = new WeakMap<Socket, Admitted>();
  const server = http.createServer({
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    // Timeouts are checked on this beat, so a late head is closed within a tenth of its timeout.
    connectionsCheckingInterval: Math.min(1_000, Math.max(50, options.headersTimeoutMs / 10)),
    maxHeaderSize: MAX_HEADER_BYTES,
  });

  server.on("connection", (socket: Socket) => {
    const address = plainAddress(socket.remoteAddress);
    const decision = admission.admit(address);
    if (!decision.ok) {
      socket.destroy();
      options.onDrop?.(decision.reason, address);
      return;
    }
    admitted.set(socket, { address, port: socket.remotePort ?? 0, release: decision.release });
    socket.once("close", decision.release);
  });

  server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    const code = error.code ?? "";
    if (code === "ERR_HTTP_REQUEST_TIMEOUT") {
      options.onDrop?.("timeout", admitted.get(socket)?.address ?? "");
    }
    if (socket.writable) socket.write(CLIENT_ERROR_RESPONSES[code] ?? BAD_REQUEST);
    socket.destroy();
  });

  /** `Host` for requests without one (HTTP/1.0): the listening address, known once listening. */
  let fallbackHost = "";

  const handle = async (request: Request, info: ServeInfo): Promise<Response> => {
    try {
      return await handler(request, info);
    } catch (error) {
      onError(error);
      return errorResponse(500, "internal", "internal error");
    }
  };

  server.on("request", (incoming: http.IncomingMessage, outgoing: http.ServerResponse) => {
    const connection = admitted.get(incoming.socket as Socket);
    const request = toRequest(incoming, {
      fallbackHost,
      // The handler stopped reading the body: do not keep the connection for the rest of it.
      onBodyCancelled: () => outgoing.setHeader("connection", "close"),
    });
    const completed = new Promise<void>((resolve) => outgoing.once("close", resolve));
    const respond = async () => {
      let response = request
        ? await handle(request, { remoteAddr: remoteAddr(connection), completed })
        : errorResponse(400, "bad_request", "malformed request target or Host");
      // Upgrades arrive as "upgrade" events; a 101 here has no socket to go to.
      if (response.status === 101) {
        response = errorResponse(400, "bad_request", "an upgrade needs Connection: upgrade");
      }
      await writeResponse(outgoing, response, incoming.method);
    };
    respond().catch(onError);
  });

  server.on("upgrade", (incoming: http.IncomingMessage, socket: Socket, head: Uint8Array) => {
    // Read nothing more: what came behind the head is in `head` (a client must wait for the 101
    // before it sends), and bytes node:net read now would be lost when the WebSocket takes the
    // stream. And a client that resets meanwhile must not raise an "error" no one listens to:
    // node:net would throw it, and end the process.
    (socket as unknown as HandedOverSocket)._handle?.readStop();
    socket.on("error", () => socket.destroy());
    const connection = admitted.get(socket);
    const request = toRequest(incoming, { fallbackHost });
    const handover = handOver(
      socket,
      {
        key: incoming.headers["sec-websocket-key"],
        offered: incoming.headers["sec-websocket-protocol"],
        head,
      },
      connection?.release ?? (() => {}),
      options.ownWebSockets,
    );
    const completed = Promise.withResolvers<void>();
    const respond = async () => {
      const response = request
        ? await handle(request, {
          remoteAddr: remoteAddr(connection),
          completed: completed.promise,
          handover,
        })
        : errorResponse(400, "bad_request", "malformed request target or Host");
      if (handover.taken) return;
      if (response.status === 101) socket.destroy();
      else await writeRawResponse(socket, response);
    };
    respond().catch(onError).finally(() => completed.resolve());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(
      {
        host: options.hostname,
        port: options.port,
        reusePort: options.reusePort ?? false,
        backlog: LISTEN_BACKLOG,
      },
      () => {
        server.off("error", reject);
        resolve();
      },
    );
  });
  server.on("error", onError);

  const { address, port, family } = server.address() as AddressInfo;
  fallbackHost = family === "IPv6" ? `[${address}]:${port}` : `${address}:${port}`;
  return {
    addr: { transport: "tcp", hostname: address, port },
    get openConnections() {
      return admission.open;
    },
    close() {
      server.close();
      server.closeIdleConnections();
    },
  };
}

/**
 * The handover of an upgrade's socket; `taken` once a WebSocket took it or a
 * refusal was written on it. Made out here, not in the "upgrade" listener:
 * the WebSocket's listeners live as long as the socket, and a closure made in
 * that listener would keep its whole scope (the request) alive with them.
 */
function handOver(
  socket: Socket,
  handshake: UpgradeHandshake,
  release: () => void,
  ownWebSockets: OwnWebSocketLimits | undefined,
): SocketHandover & { taken: boolean } {
  const handover = {
    socket,
    head: handshake.head,
    taken: false,
    accept(req: Request, options: UpgradeOptions): ServerWebSocketUpgrade {
      if (ownWebSockets) {
        // The node:net socket stays the connection's owner: its close gives the slot back.
        const webSocket = acceptOwnWebSocket(socket, handshake, {
          ...ownWebSockets,
          protocol: options.protocol,
          closeTimeoutMs: options.closeTimeoutMs,
        });
        handover.taken = true;
        return { socket: webSocket, response: new Response(null, { status: ANSWERED_ON_SOCKET }) };
      }
      const upgrade = Deno.upgradeWebSocket(req, {
        protocol: options.protocol,
        idleTimeout: options.idleTimeout,
        socket,
        head: handshake.head,
      });
      handover.taken = true;
      followWebSocket(upgrade.socket, socket, release);
      return upgrade;
    },
    refuse(refusal: CloseRefusal) {
      refuseOnSocket(socket, handshake, refusal);
      handover.taken = true;
    },
  };
  return handover;
}

/**
 * Follows the WebSocket that took `socket` over: frees what `node:net` left
 * behind once it opened, and gives the connection's slot back when it closes.
 *
 * Deno 2.9's `Deno.upgradeWebSocket(req, { socket })` moves the TCP stream
 * out of the socket's native handle and drops the handle without closing it.
 * Left so, every upgrade leaked the handle (measured over 30 000 upgrades:
 * ~1 KB of heap and ~5 KB of resident memory each, and each later connection
 * close slower than the one before, as the event loop's handle list grew).
 * Closed once the WebSocket is open, when the stream is no longer in it, it
 * is freed, and the WebSocket is unaffected.
 */
function followWebSocket(webSocket: WebSocket, socket: Socket, release: () => void): void {
  const handle = (socket as unknown as HandedOverSocket)._handle;
  webSocket.addEventListener("open", () => handle?.close(), { once: true });
  webSocket.addEventListener("close", release);
  webSocket.addEventListener("error", () => {
    // An upgrade that failed before the socket opened reports an error and never a close.
    if (webSocket.readyState !== WebSocket.CONNECTING) return;
    socket.destroy();
    release();
  });
}

function remoteAddr(connection: Admitted | undefined): Deno.NetAddr {
  return { transport: "tcp", hostname: connection?.address ?? "", port: connection?.port ?? 0 };
}

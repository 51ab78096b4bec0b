/**
 * `GET /api/ws`: the checks before a socket may talk, in the contract's order.
 * Origin (HTTP 403, no upgrade), then protocol version (close 4400), then the
 * token (close 4401), then connection limits (4409 / 4429, in the hub). Closes
 * happen right after the upgrade, before any frame is read, so the client
 * sees the close code instead of a failed handshake.
 *
 * @example
 * ```ts
 * app.ws("/api/ws", createSocketRoute({ config, hub, tokens, log }));
 * ```
 */
import type { Context } from "../framework/context.ts";
import type { WsHandlers } from "../framework/ws.ts";
import { CloseCode } from "../protocol/codes.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../protocol/version.ts";
import type { Config } from "./config.ts";
import type { Connection } from "./connection.ts";
import type { Admission, Hub } from "./hub.ts";
import type { Logger } from "./log.ts";
import type { TokenIssuer } from "./tokens.ts";
import { addressOf, errorResponse, isHttps } from "./http.ts";

/** The outcome of the upgrade checks, carried to the socket's events. */
export type SocketVerdict =
  | { ok: true; admission: Admission }
  | { ok: false; code: number; reason: string };

/** Per-socket data of the route. */
export interface SocketData {
  verdict: SocketVerdict;
  /** Set once the hub accepted the socket. */
  connection?: Connection;
}

/** What {@linkcode createSocketRoute} needs. */
export interface SocketRouteOptions {
  config: Config;
  hub: Hub;
  tokens: TokenIssuer;
  log: Logger;
}

function isAllowedOrigin(req: Request, url: URL, allowed: string[]): boolean {
  const origin = req.headers.get("origin");
  // Browsers always send Origin on a WebSocket; other clients are not subject to CORS-like checks.
  if (origin === null) return true;
  if (allowed.length > 0) return allowed.includes(origin);
  return origin === `${isHttps(req) ? "https" : "http"}://${url.host}`;
}

function offeredProtocols(req: Request): string[] {
  return (req.headers.get("sec-websocket-protocol") ?? "").split(",")
    .map((protocol) => protocol.trim())
    .filter(Boolean);
}

function bearerToken(req: Request, offered: string[]): string | undefined {
  const fromProtocol = offered.find((protocol) => protocol.startsWith(BEARER_PROTOCOL_PREFIX));
  if (fromProtocol) return fromProtocol.slice(BEARER_PROTOCOL_PREFIX.length);
  return req.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/** Creates the WebSocket route handlers. */
export function createSocketRoute(
  { config, hub, tokens, log }: SocketRouteOptions,
): WsHandlers<unknown, SocketData> {
  // Deno pings at the protocol level after this many idle seconds and drops peers that do not answer.
  const idleTimeout = Math.ceil((2 * config.heartbeatMs) / 1000);

  const verify = async (
    req: Request,
    offered: string[],
    address: string,
  ): Promise<SocketVerdict> => {
    if (!offered.includes(PROTOCOL)) {
      return { ok: false, code: CloseCode.BAD_REQUEST, reason: `offer subprotocol ${PROTOCOL}` };
    }
    const token = bearerToken(req, offered);
    if (!token) return { ok: false, code: CloseCode.UNAUTHORIZED, reason: "token missing" };
    const result = await tokens.verify(token);
    if (!result.ok) return { ok: false, code: CloseCode.UNAUTHORIZED, reason: result.reason };
    return {
      ok: true,
      admission: { user: result.user, tokenExpiresAt: result.expiresAt, address },
    };
  };

  return {
    async upgrade(ctx: Context<unknown>) {
      if (!hub.accepting) {
        return errorResponse(503, "internal", "server is restarting", { "retry-after": "1" });
      }
      if (!isAllowedOrigin(ctx.req, ctx.url, config.allowedOrigins)) {
        log.warn("ws.origin_refused", { origin: ctx.req.headers.get("origin"), code: 403 });
        return errorResponse(403, "forbidden", "origin not allowed");
      }
      const offered = offeredProtocols(ctx.req);
      const verdict = await verify(ctx.req, offered, addressOf(ctx.info));
      // Selecting a protocol the client did not offer fails its handshake, and it would never
      // see the close code: when v1 is missing, echo a protocol it did offer.
      const protocol = offered.includes(PROTOCOL)
        ? PROTOCOL
        : offered.find((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX)) ?? offered[0];
      return { protocol, idleTimeout, data: { verdict } };
    },
    open(socket, data) {
      if (!data.verdict.ok) {
        log.info("ws.rejected", { code: data.verdict.code, reason: data.verdict.reason });
        socket.close(data.verdict.code, data.verdict.reason);
        return;
      }
      data.connection = hub.attach(socket, data.verdict.admission);
    },
    message(_socket, event, data) {
      if (data.connection) hub.receive(data.connection, event.data);
    },
    close(_socket, event, data) {
      if (data.connection) hub.detach(data.connection, event);
    },
  };
}

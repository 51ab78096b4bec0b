/**
 * `GET /api/ws`: the checks before a socket may talk, in the contract's order.
 * Origin (HTTP 403, no upgrade), then protocol version (close 4400), then the
 * token (close 4401), then connection limits (4409 / 4429, in the hub). Closes
 * happen right after the upgrade, before any frame is read, so the client
 * sees the close code instead of a failed handshake. Every refusal is counted
 * by reason, a request that is not an upgrade included.
 *
 * @example
 * ```ts
 * const handlers = createSocketRoute({ config, hub, tokens, log, metrics, wsBlock });
 * app.ws("/api/ws", handlers);
 * ```
 */
import type { Context } from "../../framework/context.ts";
import type { WsHandlers } from "../../framework/ws.ts";
import { CloseCode } from "../../protocol/codes.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../protocol/version.ts";
import type { Config } from "../config.ts";
import type { Connection } from "./connection.ts";
import type { Admission, Hub } from "./hub.ts";
import type { Logger } from "../log.ts";
import type { RefusalReason, SwitchboardMetrics } from "../metrics/mod.ts";
import {
  bearerTokenOf,
  createClientAddress,
  errorResponse,
  isAllowedOrigin,
  type SessionSpan,
  startSessionSpan,
} from "../http/mod.ts";
import type { TokenIssuer } from "../auth/mod.ts";
import type { WsBlock } from "../ws_block.ts";

/** The outcome of the upgrade checks, carried to the socket's events. */
export type SocketVerdict =
  | { ok: true; admission: Admission }
  | { ok: false; code: number; reason: string; refusal: RefusalReason };

/** Per-socket data of the route. */
export interface SocketData {
  verdict: SocketVerdict;
  /** The test switch said to drop this socket before `hello`. */
  kill: boolean;
  /** The session's span, when OpenTelemetry is on. */
  span?: SessionSpan;
  /** Set once the hub accepted the socket. */
  connection?: Connection;
}

/** What {@linkcode createSocketRoute} needs. */
export interface SocketRouteOptions {
  config: Config;
  hub: Hub;
  tokens: TokenIssuer;
  log: Logger;
  metrics: Pick<SwitchboardMetrics, "handshakesRefused">;
  /** The test-only switch that breaks WebSockets on purpose. */
  wsBlock: Pick<WsBlock, "mode">;
}

function offeredProtocols(req: Request): string[] {
  return (req.headers.get("sec-websocket-protocol") ?? "").split(",")
    .map((protocol) => protocol.trim())
    .filter(Boolean);
}

function bearerToken(req: Request, offered: string[]): string | undefined {
  const fromProtocol = offered.find((protocol) => protocol.startsWith(BEARER_PROTOCOL_PREFIX));
  if (fromProtocol) return fromProtocol.slice(BEARER_PROTOCOL_PREFIX.length);
  return bearerTokenOf(req);
}

/** Creates the WebSocket route. */
export function createSocketRoute(options: SocketRouteOptions): WsHandlers<unknown, SocketData> {
  const { config, hub, tokens, log, metrics, wsBlock } = options;
  // Deno pings at the protocol level after half this many silent seconds and drops a peer that has
  // not answered when they are up. That must come before the hub's own heartbeat timeout (two
  // intervals): a peer stuck in the middle of a huge frame cannot answer, and Deno frees the frame
  // it buffered when it drops the peer, but not once the hub closed the socket first (Deno has no
  // timeout for a close handshake, so the frame would stay buffered until the peer goes).
  const idleTimeout = Math.max(1, Math.floor((1.5 * config.heartbeatMs) / 1000));
  const clientAddress = createClientAddress(config.trustProxy);

  const verify = async (
    req: Request,
    offered: string[],
    address: string,
  ): Promise<SocketVerdict> => {
    if (!offered.includes(PROTOCOL)) {
      return {
        ok: false,
        code: CloseCode.BAD_REQUEST,
        reason: `offer subprotocol ${PROTOCOL}`,
        refusal: "version",
      };
    }
    const token = bearerToken(req, offered);
    if (!token) {
      return { ok: false, code: CloseCode.UNAUTHORIZED, reason: "token missing", refusal: "auth" };
    }
    const result = await tokens.verify(token);
    if (!result.ok) {
      return { ok: false, code: CloseCode.UNAUTHORIZED, reason: result.reason, refusal: "auth" };
    }
    return {
      ok: true,
      admission: {
        user: result.user,
        tokenExpiresAt: result.expiresAt,
        address,
        loginId: result.loginId,
      },
    };
  };

  return {
    notUpgrade() {
      metrics.handshakesRefused.labels("not_websocket").inc();
    },
    async upgrade(ctx: Context<unknown>) {
      if (wsBlock.mode === "refuse") {
        return errorResponse(503, "internal", "WebSockets are blocked by the test switch");
      }
      if (!hub.accepting) {
        metrics.handshakesRefused.labels("draining").inc();
        return errorResponse(503, "internal", "server is restarting", { "retry-after": "1" });
      }
      if (!isAllowedOrigin(ctx.req, ctx.url, config.allowedOrigins)) {
        metrics.handshakesRefused.labels("origin").inc();
        log.warn("ws.origin_refused", { origin: ctx.req.headers.get("origin"), code: 403 });
        return errorResponse(403, "forbidden", "origin not allowed");
      }
      const offered = offeredProtocols(ctx.req);
      const verdict = await verify(ctx.req, offered, clientAddress(ctx.req, ctx.info));
      // Selecting a protocol the client did not offer fails its handshake, and it would never
      // see the close code: when v1 is missing, echo a protocol it did offer.
      const protocol = offered.includes(PROTOCOL)
        ? PROTOCOL
        : offered.find((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX)) ?? offered[0];
      const kill = wsBlock.mode === "kill";
      return {
        protocol,
        idleTimeout,
        data: { verdict, kill, span: startSessionSpan("websocket") },
      };
    },
    open(socket, data) {
      if (data.kill) {
        socket.close();
        return;
      }
      if (!data.verdict.ok) {
        metrics.handshakesRefused.labels(data.verdict.refusal).inc();
        log.info("ws.rejected", { code: data.verdict.code, reason: data.verdict.reason });
        socket.close(data.verdict.code, data.verdict.reason);
        return;
      }
      data.connection = hub.attach(socket, data.verdict.admission, "websocket");
    },
    message(_socket, event, data) {
      if (data.connection) hub.receive(data.connection, event.data);
    },
    close(_socket, event, data) {
      if (data.connection) hub.detach(data.connection, event.code);
      data.span?.end({ code: event.code, session: data.connection?.session });
    },
    failed(_socket, error, data) {
      log.error("ws.event_failed", {
        session: data.connection?.session,
        user: data.connection?.user.id,
        code: CloseCode.SERVER_ERROR,
        error: String(error instanceof Error ? error.stack ?? error.message : error),
      });
    },
  };
}

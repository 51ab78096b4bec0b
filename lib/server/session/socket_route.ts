/**
 * `GET /api/ws`: the WebSocket transport. The upgrade runs the session
 * admission (`admission.ts`); draining (503) and a foreign `Origin` (403) are
 * refused in HTTP with no upgrade, as the contract says, and every later
 * refusal (4400 version, 4401 token, 4409 / 4429 limits) closes the socket
 * right after the upgrade, before any frame is read, so the client sees the
 * close code instead of a failed handshake. Under the guarded server such a
 * socket never becomes a WebSocket: the framework writes the 101 and the
 * close on the raw connection (`lib/framework/upgrade_refusal.ts`), so what
 * the client sends after is never buffered. A request that is not an upgrade
 * is counted as a refusal too.
 *
 * @example
 * ```ts
 * const admit = createSessionAdmission({ config, limits: hub, tokens, metrics, log });
 * app.ws("/api/ws", createSocketRoute({ config, hub, admit, clientAddress, log, metrics }));
 * ```
 */
import type { Context } from "../../framework/context.ts";
import { offeredProtocols as offeredIn } from "../../framework/socket_handover.ts";
import type { WsHandlers } from "../../framework/ws.ts";
import { CloseCode } from "../../protocol/codes.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../protocol/version.ts";
import type { Config } from "../config.ts";
import {
  bearerTokenOf,
  type ClientAddress,
  type SessionSpan,
  startSessionSpan,
} from "../http/mod.ts";
import type { Logger } from "../log.ts";
import type { SwitchboardMetrics } from "../metrics/mod.ts";
import {
  type Admission,
  type AdmitSession,
  REFUSAL_CLOSE_CODES,
  refusalResponse,
} from "./admission.ts";
import type { Connection } from "./connection.ts";
import type { Hub } from "./hub.ts";

/** Per-socket data of the route. */
export interface SocketData {
  /** The admission, carried from the upgrade to the socket's open. */
  admission: Admission;
  /** The session's span, when OpenTelemetry is on. */
  span?: SessionSpan;
  /** Set once the hub accepted the socket. */
  connection?: Connection;
}

/** What {@linkcode createSocketRoute} needs. */
export interface SocketRouteOptions {
  config: Pick<Config, "heartbeatMs">;
  hub: Pick<Hub, "attach" | "receive" | "detach">;
  /** The checks both transports run before a session starts. */
  admit: AdmitSession;
  clientAddress: ClientAddress;
  log: Logger;
  metrics: Pick<SwitchboardMetrics, "handshakesRefused">;
}

/**
 * The subprotocols a WebSocket request offers, in its order.
 *
 * @example
 * ```ts
 * offeredProtocols(req); // ["switchboard.v1", "bearer.eyJ…"]
 * ```
 */
export function offeredProtocols(req: Request): string[] {
  return offeredIn(req.headers.get("sec-websocket-protocol"));
}

/**
 * The subprotocol to select: this version when offered, else one the client did
 * offer. Selecting one it did not offer fails its handshake, and it would never
 * see the close code that says which version to offer.
 *
 * @example
 * ```ts
 * selectedProtocol(["switchboard.v9", "bearer.eyJ…"]); // "switchboard.v9": then closed with 4400
 * ```
 */
export function selectedProtocol(offered: string[]): string | undefined {
  if (offered.includes(PROTOCOL)) return PROTOCOL;
  return offered.find((protocol) => !protocol.startsWith(BEARER_PROTOCOL_PREFIX)) ?? offered[0];
}

/** The access token of a WebSocket request: in a `bearer.` subprotocol, or the header. */
function bearerToken(req: Request, offered: string[]): string | undefined {
  const fromProtocol = offered.find((protocol) => protocol.startsWith(BEARER_PROTOCOL_PREFIX));
  if (fromProtocol) return fromProtocol.slice(BEARER_PROTOCOL_PREFIX.length);
  return bearerTokenOf(req);
}

/** Creates the WebSocket route. */
export function createSocketRoute(options: SocketRouteOptions): WsHandlers<unknown, SocketData> {
  const { config, hub, admit, clientAddress, log, metrics } = options;
  // Deno pings at the protocol level after half this many silent seconds and drops a peer that has
  // not answered when they are up. That must come before the hub's own heartbeat timeout (two
  // intervals): a peer stuck in the middle of a huge frame cannot answer, and Deno frees the frame
  // it buffered when it drops the peer, but not once the hub closed the socket first (Deno has no
  // timeout for a close handshake, so the frame would stay buffered until the peer goes).
  const idleTimeout = Math.max(1, Math.floor((1.5 * config.heartbeatMs) / 1000));

  return {
    notUpgrade() {
      metrics.handshakesRefused.labels("not_websocket").inc();
    },
    async upgrade(ctx: Context<unknown>) {
      const offered = offeredProtocols(ctx.req);
      const verdict = await admit({
        transport: "websocket",
        req: ctx.req,
        address: clientAddress(ctx.req, ctx.info),
        speaksProtocol: offered.includes(PROTOCOL),
        token: bearerToken(ctx.req, offered),
      });
      const protocol = selectedProtocol(offered);
      if (!verdict.ok) {
        if (verdict.refusal === "draining" || verdict.refusal === "origin") {
          return refusalResponse(verdict);
        }
        const code = REFUSAL_CLOSE_CODES[verdict.refusal];
        return { protocol, refuse: { code, reason: verdict.message } };
      }
      return {
        protocol,
        idleTimeout,
        data: { admission: verdict.admission, span: startSessionSpan("websocket") },
      };
    },
    open(socket, data) {
      data.connection = hub.attach(socket, data.admission, "websocket");
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

/**
 * A test-only switch that breaks WebSockets the way hostile networks do, so
 * browser tests can drive the client into its HTTP fallback and back. It is a
 * middleware that `server.ts` installs only when `TEST_HOOKS=1` (off by
 * default; never set it on Deno Deploy or any real deployment): without it
 * neither the switch nor its route exist, and no production path asks it
 * anything. `POST /api/test/ws-block` with `{ "mode": "off" | "refuse" | "kill" }`
 * sets it.
 *
 * | mode | what an upgrade of `GET /api/ws` gets |
 * | --- | --- |
 * | `off` | the WebSocket route, as always |
 * | `refuse` | HTTP 503 (a proxy that blocks WebSockets) |
 * | `kill` | the upgrade, then a close before `hello` (a proxy that lets the upgrade through and then kills it) |
 *
 * The switch is per isolate: tests run one.
 *
 * @example
 * ```ts
 * const wsBlock = createWsBlock({ log, socketPath: "/api/ws" });
 * app.use(wsBlock.middleware).ws("/api/ws", socketRoute);
 * await fetch(`${origin}${WS_BLOCK_PATH}`, {
 *   method: "POST", body: JSON.stringify({ mode: "refuse" }),
 * });
 * wsBlock.mode; // "refuse"
 * ```
 */
import { z } from "zod";
import type { Middleware } from "../../framework/context.ts";
import { upgradeWebSocket } from "../../framework/ws.ts";
import { errorResponse, readJsonBody } from "../http/mod.ts";
import type { Logger } from "../log.ts";
import { offeredProtocols, selectedProtocol } from "../session/mod.ts";

/** The route that sets the switch. */
export const WS_BLOCK_PATH = "/api/test/ws-block";

/** The modes of the switch. */
export const WS_BLOCK_MODES = ["off", "refuse", "kill"] as const;
export type WsBlockMode = typeof WS_BLOCK_MODES[number];

const WsBlockBody = z.object({ mode: z.enum(WS_BLOCK_MODES) });

/** Options of {@linkcode createWsBlock}. */
export interface WsBlockOptions {
  log: Pick<Logger, "warn">;
  /** The path of the WebSocket route whose upgrades the switch breaks. */
  socketPath: string;
}

/** The switch and its middleware. */
export interface WsBlock {
  /** The current mode. */
  readonly mode: WsBlockMode;
  /** Answers {@linkcode WS_BLOCK_PATH}, and upgrades of the socket path while the mode is not `off`. */
  readonly middleware: Middleware<unknown>;
}

function isUpgrade(req: Request): boolean {
  return req.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/** Creates a {@linkcode WsBlock} in mode `off`. */
export function createWsBlock({ log, socketPath }: WsBlockOptions): WsBlock {
  let mode: WsBlockMode = "off";

  const setMode = async (req: Request): Promise<Response> => {
    if (req.method !== "POST") {
      return errorResponse(405, "bad_request", "method not allowed", { allow: "POST" });
    }
    const parsed = await readJsonBody(req, WsBlockBody);
    if (!parsed.ok) return parsed.response;
    mode = parsed.body.mode;
    log.warn("test.ws_block", { mode });
    return Response.json({ mode });
  };

  return {
    get mode() {
      return mode;
    },
    middleware(ctx) {
      if (ctx.url.pathname === WS_BLOCK_PATH) return setMode(ctx.req);
      if (ctx.url.pathname !== socketPath || mode === "off" || !isUpgrade(ctx.req)) {
        return ctx.next();
      }
      if (mode === "refuse") {
        return errorResponse(503, "internal", "WebSockets are blocked by the test switch");
      }
      // The client must get a subprotocol it offered, or its handshake fails before the close.
      return upgradeWebSocket(
        ctx,
        {
          upgrade: () => ({ protocol: selectedProtocol(offeredProtocols(ctx.req)), data: null }),
          open: (socket) => socket.close(),
        },
        (message) => errorResponse(400, "bad_request", message),
      );
    },
  };
}

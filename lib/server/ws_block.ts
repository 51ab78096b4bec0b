/**
 * A test-only switch that breaks WebSockets the way hostile networks do, so
 * browser tests can drive the client into its HTTP fallback and back. It
 * exists only when `TEST_HOOKS=1` (off by default; never set it on Deno
 * Deploy or any real deployment): `POST /api/test/ws-block` with
 * `{ "mode": "off" | "refuse" | "kill" }`. Without the variable the route
 * answers 404 as if it did not exist.
 *
 * | mode | what `GET /api/ws` does |
 * | --- | --- |
 * | `off` | works normally |
 * | `refuse` | answers every upgrade with HTTP 503 (a proxy that blocks WebSockets) |
 * | `kill` | accepts the upgrade, then closes the socket before `hello` (a proxy that lets the upgrade through and then kills it) |
 *
 * The switch is per isolate: tests run one.
 *
 * @example
 * ```ts
 * const block = createWsBlock({ enabled: config.testHooks, log });
 * await block.handle(new Request("http://x/api/test/ws-block", {
 *   method: "POST", body: JSON.stringify({ mode: "refuse" }),
 * }));
 * block.mode; // "refuse"
 * ```
 */
import { z } from "zod";
import type { Logger } from "./log.ts";
import { errorResponse, readJsonBody } from "./http/mod.ts";

/** The modes of the switch. */
export const WS_BLOCK_MODES = ["off", "refuse", "kill"] as const;
export type WsBlockMode = typeof WS_BLOCK_MODES[number];

const WsBlockBody = z.object({ mode: z.enum(WS_BLOCK_MODES) });

/** Options of {@linkcode createWsBlock}. */
export interface WsBlockOptions {
  /** `TEST_HOOKS=1`: whether the route exists at all. */
  enabled: boolean;
  log: Logger;
}

/** The switch and its route. */
export interface WsBlock {
  /** The current mode; always `off` when the hooks are disabled. */
  readonly mode: WsBlockMode;
  /** `POST /api/test/ws-block`: sets the mode; 404 (whatever the method) when the hooks are disabled. */
  handle(req: Request): Promise<Response>;
}

/** Creates a {@linkcode WsBlock} in mode `off`. */
export function createWsBlock({ enabled, log }: WsBlockOptions): WsBlock {
  let mode: WsBlockMode = "off";
  return {
    get mode() {
      return mode;
    },
    async handle(req) {
      if (!enabled) return errorResponse(404, "bad_request", "no route for /api/test/ws-block");
      if (req.method !== "POST") {
        return errorResponse(405, "bad_request", "method not allowed", { allow: "POST" });
      }
      const parsed = await readJsonBody(req, WsBlockBody);
      if (!parsed.ok) return parsed.response;
      mode = parsed.body.mode;
      log.warn("test.ws_block", { mode });
      return Response.json({ mode });
    },
  };
}

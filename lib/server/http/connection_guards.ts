/**
 * The guarded server's options that come from the configuration: the
 * request timeouts and the per-address cap, with the trusted proxies exempt
 * from it (every connection through a proxy comes from the proxy's address),
 * and the WebSocket engine (`WS_ENGINE`).
 * One place, so that `serve_isolate.ts` and the test server cannot guard
 * connections differently.
 *
 * @example
 * ```ts
 * const server = await serveGuarded(handler, {
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   maxConnections: 900,
 *   ...connectionGuards(config),
 * });
 * ```
 */
import type { OwnWebSocketLimits } from "../../framework/own_web_socket.ts";
import { createIsTrustedProxy } from "./client_address.ts";

/** The configuration the guards come from (`Config`'s fields of the same names). */
export interface ConnectionGuardsConfig {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxTcpConnectionsPerAddress: number;
  trustProxy: string[];
  wsEngine: "deno" | "own";
  wsMessageTimeoutMs: number;
  maxFrameBytes: number;
}

/** The part of `serveGuarded`'s options set by the configuration. */
export interface ConnectionGuards {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnectionsPerAddress: number;
  isExempt(address: string): boolean;
  /** Set when upgrades are accepted with the framework's own WebSocket, bounded by the frame size. */
  ownWebSockets?: OwnWebSocketLimits;
}

/** The guards `config` asks for. */
export function connectionGuards(config: ConnectionGuardsConfig): ConnectionGuards {
  return {
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    maxConnectionsPerAddress: config.maxTcpConnectionsPerAddress,
    isExempt: createIsTrustedProxy(config.trustProxy),
    ...(config.wsEngine === "own"
      ? {
        ownWebSockets: {
          maxMessageBytes: config.maxFrameBytes,
          messageTimeoutMs: config.wsMessageTimeoutMs,
        },
      }
      : {}),
  };
}

/**
 * The guarded server's options that come from the configuration: the
 * request timeouts and the per-address cap, with the trusted proxies exempt
 * from it (every connection through a proxy comes from the proxy's address).
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
import { createIsTrustedProxy } from "./client_address.ts";

/** The configuration the guards come from (`Config`'s fields of the same names). */
export interface ConnectionGuardsConfig {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxTcpConnectionsPerAddress: number;
  trustProxy: string[];
}

/** The part of `serveGuarded`'s options set by the configuration. */
export interface ConnectionGuards {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnectionsPerAddress: number;
  isExempt(address: string): boolean;
}

/** The guards `config` asks for. */
export function connectionGuards(config: ConnectionGuardsConfig): ConnectionGuards {
  return {
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    maxConnectionsPerAddress: config.maxTcpConnectionsPerAddress,
    isExempt: createIsTrustedProxy(config.trustProxy),
  };
}

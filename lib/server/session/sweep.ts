/**
 * The hub's one timer. Every second (or every heartbeat, if that is shorter)
 * it walks the open connections: one silent for two heartbeats is closed with
 * 4408; one whose token expired gets `error` `unauthorized` and 4401; one whose
 * token expires within `TOKEN_EXPIRING_LEAD_MS` is told so once
 * (`token_expiring`). Once a heartbeat, every connection gets a `ping`,
 * serialized once for all.
 *
 * @example
 * ```ts
 * const sweep = startSweep({ connections, config, clock, metrics, closeWith });
 * sweep.stop();
 * ```
 */
import { CloseCode } from "../../protocol/codes.ts";
import type { Clock } from "../../time/clock.ts";
import type { Config } from "../config.ts";
import type { SwitchboardMetrics } from "../metrics/mod.ts";
import type { Connection } from "./connection.ts";

/** How often the sweep runs (or every heartbeat, if that is shorter). */
const SWEEP_MS = 1000;

/** What {@linkcode startSweep} needs. */
export interface SweepOptions {
  /** The hub's connections, as they are at each sweep. */
  connections: ReadonlySet<Connection>;
  config: Pick<Config, "heartbeatMs" | "tokenExpiringLeadMs">;
  clock: Clock;
  metrics: Pick<SwitchboardMetrics, "framesSent">;
  /** Closes a connection for cause, saying why in the log. */
  closeWith(connection: Connection, code: number, reason: string): void;
}

/** A running sweep. */
export interface Sweep {
  stop(): void;
}

/** Starts the sweep's timer. */
export function startSweep(options: SweepOptions): Sweep {
  const { connections, config, clock, metrics, closeWith } = options;
  let nextPingAt = clock.now() + config.heartbeatMs;

  const sweep = () => {
    const now = clock.now();
    const silentLimit = 2 * config.heartbeatMs;
    for (const connection of connections) {
      if (connection.state !== "open") continue;
      if (now - connection.lastSeenAt >= silentLimit) {
        closeWith(connection, CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout");
        continue;
      }
      if (now >= connection.tokenExpiresAt) {
        connection.sendError("unauthorized", "access token expired", { recoverable: false });
        closeWith(connection, CloseCode.UNAUTHORIZED, "token expired");
        continue;
      }
      if (
        !connection.tokenWarned && now >= connection.tokenExpiresAt - config.tokenExpiringLeadMs
      ) {
        connection.tokenWarned = true;
        connection.send({ type: "token_expiring", token_expires_at: connection.tokenExpiresAt });
      }
    }
    if (now >= nextPingAt) {
      nextPingAt = now + config.heartbeatMs;
      const ping = JSON.stringify({ type: "ping", t: now });
      for (const connection of connections) connection.sendText(ping);
      metrics.framesSent.labels("ping").inc(connections.size);
    }
  };

  const timer = clock.setInterval(sweep, Math.min(SWEEP_MS, config.heartbeatMs));
  return { stop: () => clock.clearInterval(timer) };
}

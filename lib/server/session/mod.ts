/**
 * A client's session, over a WebSocket (`GET /api/ws`) or the fallback
 * transport (`GET /api/events` and `POST /api/send`): the hub that holds every
 * connection of this instance, what a connection is, the checks before a
 * session starts, the connection counts the per-user and per-address limits
 * take over every instance, the inbound frame limit, the relay that carries a
 * POST to the instance holding its session, and live status over a
 * connection. Room
 * frames go on to `../rooms`. The hub's own parts (`inbound.ts`,
 * `session_frames.ts`, `sweep.ts`) are not exported.
 *
 * Imports `../auth`, `../rooms`, `../bus`, `../cluster`, `../http`,
 * `../metrics` and `../limits` (besides `lib/protocol`, `lib/time`,
 * `lib/framework`'s WebSocket route, and the root's `config.ts` and `log.ts`).
 *
 * @example
 * ```ts
 * import { createHub, createSessionAdmission, createSocketRoute } from "./mod.ts";
 * const hub = createHub({ config, clock, random, log, instance, rooms, tokens, metrics, statusFeed });
 * const admit = createSessionAdmission({ config, limits: hub, tokens, metrics, log });
 * app.ws("/api/ws", createSocketRoute({ config, hub, admit, clientAddress, log, metrics }));
 * ```
 */
export * from "./admission.ts";
export * from "./connection.ts";
export * from "./connection_counts.ts";
export * from "./hub.ts";
export * from "./socket_route.ts";
export * from "./fallback.ts";
export * from "./fallback_relay.ts";
export * from "./event_stream_socket.ts";
export * from "./frame_rate_limit.ts";
export * from "./status_feed.ts";
export * from "./user_notices.ts";

/**
 * The Switchboard browser client: a reconnecting connection kept in signals.
 * Islands render its signals and call its methods; it runs in Deno for tests.
 *
 * @example
 * ```ts
 * import { createChatClient } from "./mod.ts";
 * const client = createChatClient();
 * client.connect();
 * client.join("general");
 * ```
 */
export * from "./client.ts";
export * from "./backoff.ts";
export * from "./close_policy.ts";
export * from "./states.ts";
export * from "./watchdog.ts";
export * from "./transport.ts";
export * from "./websocket_transport.ts";
export * from "./http_transport.ts";
export * from "./outbox.ts";
export * from "./outbox_store.ts";
export * from "./room_state.ts";
export * from "./page_events.ts";
export * from "./token.ts";
export * from "./session.ts";
export * from "./room_directory.ts";
export * from "./people.ts";
export * from "./chat_rooms.ts";
export * from "./page_client.ts";
export * from "./live_status.ts";
export * from "./pending_requests.ts";

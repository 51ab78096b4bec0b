/**
 * The load generator's second client: Deno's own `WebSocket` per connection.
 * Simple and certainly correct, but each delivery costs a `MessageEvent`, a
 * decoded string and a dispatch, so on a small machine it limits the
 * measurement sooner than the raw client (raw_connection.ts). Kept to
 * cross-check the raw client: the same target must measure the same with both
 * below the WebSocket client's own ceiling.
 *
 * @example
 * ```ts
 * const connection = openWebSocketConnection({
 *   origin: "ws://127.0.0.1:8000",
 *   wire: createWire("peer"),
 *   clock: createBenchClock(),
 *   onDelivery: (phase, intendedAt, receivedAt) => console.log(receivedAt - intendedAt),
 *   onError: console.error,
 * });
 * await connection.ready;
 * ```
 */
import { decodeMarker } from "./marker.ts";
import type { BenchConnection, ConnectionOptions } from "./connection.ts";
import { connectionOf, createSession } from "./session.ts";

/** Opens a connection with Deno's `WebSocket`; watch `ready` for the outcome. */
export function openWebSocketConnection(options: ConnectionOptions): BenchConnection {
  const { wire, clock, onDelivery, onError } = options;
  const socket = new WebSocket(wire.url(options.origin), wire.protocols(options.token));
  const session = createSession({ wire, transmit: (text) => socket.send(text), onError });
  let closedByUs = false;

  socket.onopen = () => session.opened();
  socket.onmessage = (event: MessageEvent) => {
    const receivedAt = clock.now();
    const frame = event.data;
    if (typeof frame !== "string") return;
    const marker = decodeMarker(frame);
    if (marker) onDelivery(marker.phase, marker.intendedAt, receivedAt);
    else session.control(frame);
  };
  socket.onerror = () => {};
  socket.onclose = (event: CloseEvent) => {
    session.closed(`closed ${event.code}${event.reason ? ` ${event.reason}` : ""}`, closedByUs);
  };

  return connectionOf(session, {
    send: (frame) => socket.send(frame),
    close() {
      if (session.state === "closed" || closedByUs) return;
      closedByUs = true;
      socket.close(1000);
    },
  });
}

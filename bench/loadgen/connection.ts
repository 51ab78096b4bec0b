/**
 * One load-generator connection, whichever client carries it: the raw client
 * (raw_connection.ts, the default, cheap per delivery) or Deno's `WebSocket`
 * (websocket_connection.ts, to cross-check it). Both have the same explicit
 * states and dialect handling (session.ts); a delivery reaches `onDelivery`
 * as plain numbers, never as an object.
 *
 * @example
 * ```ts
 * const client = createClient("raw");
 * const connection = client.open({
 *   origin: "ws://127.0.0.1:8000",
 *   wire: createWire("peer"),
 *   clock: createBenchClock(),
 *   onDelivery: (phase, intendedAt, receivedAt) => console.log(receivedAt - intendedAt),
 *   onError: console.error,
 * });
 * await connection.ready;
 * await connection.join("lobby");
 * connection.send(createWire("peer").publish("lobby", "hi", "1"));
 * connection.close();
 * await client.close();
 * ```
 */
import type { Clock } from "../../lib/time/clock.ts";
import { createRawClient } from "./raw_connection.ts";
import type { ConnectionState } from "./session.ts";
import { openWebSocketConnection } from "./websocket_connection.ts";
import type { Wire } from "./wire.ts";

export type { ConnectionState };

/** The load generator's clients: `raw` TCP with in-place frame reading, or Deno's `WebSocket`. */
export type ClientKind = "raw" | "websocket";

/** Every {@linkcode ClientKind}, for argument checking. */
export const CLIENT_KINDS: readonly ClientKind[] = ["raw", "websocket"];

/** Receives one delivered bench message: its phase, intended send time and receipt time (ms). */
export type DeliveryListener = (phase: number, intendedAt: number, receivedAt: number) => void;

/** What a connection needs. */
export interface ConnectionOptions {
  origin: string;
  wire: Wire;
  clock: Clock;
  token?: string;
  onDelivery: DeliveryListener;
  /** Called for every error frame and for a close after `ready`. */
  onError(message: string): void;
}

/** A live load-generator connection. */
export interface BenchConnection {
  readonly state: ConnectionState;
  /** Resolves at the dialect's ready point (`hello`, Socket.IO connect, or open). */
  readonly ready: Promise<void>;
  /** Joins a room; resolves on the server's confirmation. */
  join(room: string): Promise<void>;
  /** Sends a frame if the connection is ready; returns whether it was sent. */
  send(frame: string): boolean;
  close(): void;
}

/** Opens connections of one kind; `close` releases what the kind holds (the raw client's epoll). */
export interface Client {
  /** Opens a connection; watch `ready` for the outcome. */
  open(options: ConnectionOptions): BenchConnection;
  /** Closes every connection still open. */
  close(): Promise<void>;
}

/** Creates a client of the chosen kind. */
export function createClient(kind: ClientKind): Client {
  if (kind === "raw") return createRawClient();
  const open = new Set<BenchConnection>();
  return {
    open(options) {
      const connection = openWebSocketConnection(options);
      open.add(connection);
      connection.ready.then(() => {}, () => open.delete(connection));
      return connection;
    },
    close() {
      for (const connection of open) connection.close();
      open.clear();
      return Promise.resolve();
    },
  };
}

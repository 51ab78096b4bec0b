/**
 * One load-generator connection: a WebSocket with explicit states
 * (`connecting` → `ready` → `closed`), the dialect's handshake, room joins and
 * the delivery hot path (a marker search and a clock read, nothing else).
 *
 * @example
 * ```ts
 * const connection = openConnection({
 *   origin: "ws://127.0.0.1:8000",
 *   wire: createWire("peer"),
 *   clock: createBenchClock(),
 *   onDelivery: (marker, receivedAt) => console.log(receivedAt - marker.intendedAt),
 *   onError: console.error,
 * });
 * await connection.ready;
 * await connection.join("lobby");
 * connection.send(createWire("peer").publish("lobby", "hi", "1"));
 * ```
 */
import type { Clock } from "../../lib/time/clock.ts";
import { decodeMarker, type Marker } from "./marker.ts";
import type { Wire } from "./wire.ts";

/** Where a connection is in its life. */
export type ConnectionState = "connecting" | "ready" | "closed";

/** What a connection needs. */
export interface ConnectionOptions {
  origin: string;
  wire: Wire;
  clock: Clock;
  token?: string;
  /** Called for every delivered bench message, with the receive time. */
  onDelivery(marker: Marker, receivedAt: number): void;
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

/** Opens a connection; watch `ready` for the outcome. */
export function openConnection(options: ConnectionOptions): BenchConnection {
  const { wire, clock, onDelivery, onError } = options;
  const socket = new WebSocket(wire.url(options.origin), wire.protocols(options.token));
  const pendingJoins = new Map<string, { resolve(): void; reject(error: Error): void }>();
  let state: ConnectionState = "connecting";
  let closedByUs = false;
  let markReady!: () => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });

  const becomeReady = () => {
    if (state !== "connecting") return;
    state = "ready";
    markReady();
  };

  socket.onopen = () => {
    if (wire.readyOnOpen) becomeReady();
  };
  socket.onmessage = (event: MessageEvent) => {
    const receivedAt = clock.now();
    const frame = event.data;
    if (typeof frame !== "string") return;
    const marker = decodeMarker(frame);
    if (marker) return onDelivery(marker, receivedAt);
    const meaning = wire.read(frame);
    switch (meaning.kind) {
      case "ready":
        return becomeReady();
      case "joined":
        pendingJoins.get(meaning.room)?.resolve();
        pendingJoins.delete(meaning.room);
        return;
      case "reply":
        return socket.send(meaning.frame);
      case "error":
        return onError(meaning.message);
    }
  };
  socket.onerror = () => {};
  socket.onclose = (event: CloseEvent) => {
    const wasReady = state === "ready";
    state = "closed";
    const reason = `closed ${event.code}${event.reason ? ` ${event.reason}` : ""}`;
    if (!wasReady) failReady(new Error(reason));
    else if (!closedByUs) onError(reason);
    for (const join of pendingJoins.values()) join.reject(new Error(reason));
    pendingJoins.clear();
  };

  return {
    get state() {
      return state;
    },
    ready,
    join(room) {
      if (state !== "ready") return Promise.reject(new Error(`cannot join while ${state}`));
      return new Promise((resolve, reject) => {
        pendingJoins.set(room, { resolve, reject });
        socket.send(wire.join(room));
      });
    },
    send(frame) {
      if (state !== "ready") return false;
      socket.send(frame);
      return true;
    },
    close() {
      if (state === "closed") return;
      closedByUs = true;
      socket.close(1000);
    },
  };
}

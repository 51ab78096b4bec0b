/**
 * The messages between the load generator's coordinator and its workers. Every
 * request carries an `id` that its reply echoes. Times are epoch milliseconds
 * from the bench clock, comparable across workers.
 *
 * @example
 * ```ts
 * const request: WorkerRequest = { id: 1, op: "collect", phase: 0 };
 * ```
 */
import type { ClientKind } from "./connection.ts";
import type { HistogramJSON } from "./histogram.ts";
import type { Dialect } from "./wire.ts";

/** One connection a worker is asked to open: its bench-wide index and rooms. */
export interface ConnectionSpec {
  index: number;
  rooms: string[];
}

/** One publishing connection of a phase: it sends `ratePerSecond` messages to `room`. */
export interface PublisherSpec {
  index: number;
  room: string;
  ratePerSecond: number;
  /** Delay of this publisher's first message after the phase start (spreads senders). */
  offsetMs: number;
}

export type WorkerRequest =
  & { id: number }
  & (
    | { op: "init"; origin: string; dialect: Dialect; client: ClientKind; secret?: string }
    | { op: "open"; connections: ConnectionSpec[]; concurrency: number; timeoutMs: number }
    | { op: "join"; timeoutMs: number }
    | {
      op: "publish";
      phase: number;
      startAt: number;
      durationMs: number;
      bodyBytes: number;
      publishers: PublisherSpec[];
    }
    | { op: "collect"; phase: number }
    | { op: "close" }
  );

/** The outcome of opening connections. */
export interface OpenReply {
  opened: number;
  failures: string[];
  /** Per connection: socket creation to ready, in microseconds. */
  readyMicros: HistogramJSON;
  /** When this worker began opening sockets, after its tokens were minted. */
  openingAt: number;
  /** When the last connection became ready (0 if none did). */
  lastReadyAt: number;
}

/** The outcome of joining every connection opened since the last join to its rooms. */
export interface JoinReply {
  joined: number;
  failures: string[];
}

/** Messages actually sent in a phase, per room. */
export interface PublishReply {
  sentByRoom: Record<string, number>;
  unsent: number;
}

/** Deliveries of a phase seen so far. */
export interface CollectReply {
  delivered: number;
  /** Intended send time to receipt, in microseconds. */
  latencyMicros: HistogramJSON;
  errors: string[];
}

export type WorkerReply =
  & { id: number }
  & (
    | { ok: true; value: OpenReply | JoinReply | PublishReply | CollectReply | null }
    | { ok: false; error: string }
  );

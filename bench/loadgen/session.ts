/**
 * What a load-generator connection does above its transport, the same for the
 * raw client and the WebSocket client: explicit states (`connecting` → `ready`
 * → `closed`), the dialect's handshake (`hello`, Socket.IO's connect, or
 * nothing), room joins, and answers the dialect expects (pongs).
 *
 * @example
 * ```ts
 * const session = createSession({ wire, transmit: (text) => socket.send(text), onError });
 * socket.onopen = () => session.opened();
 * socket.onmessage = (event) => session.control(event.data);
 * socket.onclose = (event) => session.closed(`closed ${event.code}`);
 * await session.ready;
 * await session.join("lobby");
 * const connection = connectionOf(session, { send: (t) => socket.send(t), close: () => socket.close() });
 * ```
 */
import type { BenchConnection } from "./connection.ts";
import type { Wire } from "./wire.ts";

/** Where a connection is in its life. */
export type ConnectionState = "connecting" | "ready" | "closed";

/** What a session needs from its transport. */
export interface SessionOptions {
  wire: Wire;
  /** Sends one text frame. */
  transmit(text: string): void;
  /** Called for every error frame and for a close after `ready` that we did not ask for. */
  onError(message: string): void;
}

/** The dialect-level state of one connection. */
export interface Session {
  readonly state: ConnectionState;
  /** Resolves at the dialect's ready point; rejects if the connection closes first. */
  readonly ready: Promise<void>;
  /** The transport opened. */
  opened(): void;
  /** A text frame that carried no delivery marker. */
  control(text: string): void;
  /** Joins a room; resolves on the server's confirmation. */
  join(room: string): Promise<void>;
  /** The transport closed; `byUs` when we asked for it. */
  closed(reason: string, byUs: boolean): void;
}

/** Creates a {@linkcode Session} in state `connecting`. */
export function createSession({ wire, transmit, onError }: SessionOptions): Session {
  const pendingJoins = new Map<string, { resolve(): void; reject(error: Error): void }>();
  const { promise: ready, resolve: markReady, reject: failReady } = Promise.withResolvers<void>();
  // A failed connection's `ready` is awaited by its opener; never leave it unhandled.
  ready.catch(() => {});
  let state: ConnectionState = "connecting";

  const becomeReady = () => {
    if (state !== "connecting") return;
    state = "ready";
    markReady();
  };

  return {
    get state() {
      return state;
    },
    ready,
    opened() {
      if (wire.readyOnOpen) becomeReady();
    },
    control(text) {
      const meaning = wire.read(text);
      switch (meaning.kind) {
        case "ready":
          return becomeReady();
        case "joined":
          pendingJoins.get(meaning.room)?.resolve();
          pendingJoins.delete(meaning.room);
          return;
        case "reply":
          return transmit(meaning.frame);
        case "error":
          return onError(meaning.message);
      }
    },
    join(room) {
      if (state !== "ready") return Promise.reject(new Error(`cannot join while ${state}`));
      return new Promise((resolve, reject) => {
        pendingJoins.set(room, { resolve, reject });
        transmit(wire.join(room));
      });
    },
    closed(reason, byUs) {
      if (state === "closed") return;
      const wasReady = state === "ready";
      state = "closed";
      if (!wasReady) failReady(new Error(reason));
      else if (!byUs) onError(reason);
      for (const join of pendingJoins.values()) join.reject(new Error(reason));
      pendingJoins.clear();
    },
  };
}

/** What a transport does for the connection it carries. */
export interface SessionTransport {
  /** Writes one text frame. */
  send(text: string): void;
  /** Starts closing the connection; the transport reports the close to the session. */
  close(): void;
}

/**
 * The {@linkcode BenchConnection} a session and its transport make: frames go
 * out only once the session is ready.
 */
export function connectionOf(session: Session, transport: SessionTransport): BenchConnection {
  return {
    get state() {
      return session.state;
    },
    ready: session.ready,
    join: (room) => session.join(room),
    send(frame) {
      if (session.state !== "ready") return false;
      transport.send(frame);
      return true;
    },
    close: () => transport.close(),
  };
}

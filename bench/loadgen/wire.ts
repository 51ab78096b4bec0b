/**
 * How the load generator speaks to each kind of target. Three dialects:
 *
 * - `switchboard`: the contract in docs/protocol.md (`hello`, `join`/`joined`,
 *   `send` → `message`), authenticated with a bearer subprotocol;
 * - `peer`: the bench's tiny JSON protocol that every peer server speaks:
 *   `{"t":"join","room"}` → `{"t":"joined","room"}`, and
 *   `{"t":"pub","room","body"}` → `{"t":"msg","room","body"}` to every member,
 *   the publisher included;
 * - `socket.io`: the same events (`join`/`joined`, `pub`/`msg`) in Socket.IO 4's
 *   own framing over its WebSocket transport (Engine.IO v4 packets), written out by
 *   hand so that every target pays the same client cost.
 *
 * Only control frames are parsed; deliveries are found by their marker (see
 * marker.ts) before any dialect sees them.
 *
 * @example
 * ```ts
 * const wire = createWire("peer");
 * wire.join("lobby"); // '{"t":"join","room":"lobby"}'
 * wire.read('{"t":"joined","room":"lobby"}'); // { kind: "joined", room: "lobby" }
 * ```
 */

/** The dialects the load generator speaks. */
export type Dialect = "switchboard" | "peer" | "socket.io";

/** What a control frame means to the load generator. */
export type WireEvent =
  | { kind: "ready" }
  | { kind: "joined"; room: string }
  | { kind: "reply"; frame: string }
  | { kind: "error"; message: string }
  | { kind: "other" };

/** One dialect's frames. */
export interface Wire {
  /** The WebSocket URL for a server at `origin` (`ws://127.0.0.1:PORT`). */
  url(origin: string): string;
  /** The subprotocols to offer, given the connection's token (if any). */
  protocols(token: string | undefined): string[];
  /** Whether the connection is ready as soon as it opens (no handshake frame). */
  readonly readyOnOpen: boolean;
  join(room: string): string;
  publish(room: string, body: string, cid: string): string;
  /** Interprets a frame that carries no delivery marker. */
  read(frame: string): WireEvent;
}

const OTHER: WireEvent = { kind: "other" };

function parseObject(frame: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(frame);
    return typeof value === "object" && value !== null
      ? value as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}

const switchboardWire: Wire = {
  url: (origin) => `${origin}/api/ws`,
  protocols: (token) => ["switchboard.v1", ...(token ? [`switchboard.bearer.${token}`] : [])],
  readyOnOpen: false,
  join: (room) => JSON.stringify({ type: "join", room }),
  publish: (room, body, cid) => JSON.stringify({ type: "send", room, text: body, cid }),
  read(frame) {
    const value = parseObject(frame);
    switch (value?.type) {
      case "hello":
        return { kind: "ready" };
      case "joined":
        return { kind: "joined", room: String(value.room) };
      case "ping":
        return { kind: "reply", frame: JSON.stringify({ type: "pong", t: value.t }) };
      case "error":
        return { kind: "error", message: `${value.code}: ${value.message}` };
      default:
        return OTHER;
    }
  },
};

const peerWire: Wire = {
  url: (origin) => `${origin}/ws`,
  protocols: () => [],
  readyOnOpen: true,
  join: (room) => JSON.stringify({ t: "join", room }),
  publish: (room, body) => JSON.stringify({ t: "pub", room, body }),
  read(frame) {
    const value = parseObject(frame);
    return value?.t === "joined" ? { kind: "joined", room: String(value.room) } : OTHER;
  },
};

/** Engine.IO packet types (first character) and Socket.IO packet types (second). */
const ENGINE_PING = "2";
const ENGINE_PONG = "3";
const SOCKET_CONNECT = "40";
const SOCKET_EVENT = "42";
const SOCKET_CONNECT_ERROR = "44";

const socketIoWire: Wire = {
  url: (origin) => `${origin}/socket.io/?EIO=4&transport=websocket`,
  protocols: () => [],
  readyOnOpen: false,
  join: (room) => SOCKET_EVENT + JSON.stringify(["join", room]),
  publish: (room, body) => SOCKET_EVENT + JSON.stringify(["pub", { room, body }]),
  read(frame) {
    if (frame === ENGINE_PING) return { kind: "reply", frame: ENGINE_PONG };
    // The Engine.IO handshake ("0{sid…}") is answered by connecting to the main namespace.
    if (frame.startsWith("0{")) return { kind: "reply", frame: SOCKET_CONNECT };
    if (frame.startsWith(SOCKET_CONNECT)) return { kind: "ready" };
    if (frame.startsWith(SOCKET_CONNECT_ERROR)) return { kind: "error", message: frame };
    if (frame.startsWith(SOCKET_EVENT)) {
      const event = parseObject(frame.slice(SOCKET_EVENT.length));
      if (Array.isArray(event) && event[0] === "joined") {
        return { kind: "joined", room: String(event[1]) };
      }
    }
    return OTHER;
  },
};

const WIRES: Record<Dialect, Wire> = {
  "switchboard": switchboardWire,
  "peer": peerWire,
  "socket.io": socketIoWire,
};

/** The frames of one dialect. */
export function createWire(dialect: Dialect): Wire {
  return WIRES[dialect];
}

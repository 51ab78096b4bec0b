/**
 * Scripted stand-ins for the network, so the real client can be driven frame
 * by frame in virtual time: a WebSocket factory whose sockets the test opens,
 * feeds and closes, and a `fetch` serving the HTTP fallback endpoints.
 *
 * @example
 * ```ts
 * const sockets = createFakeWebSockets();
 * const client = createChatClient({ origin: "http://test", createWebSocket: sockets.create });
 * client.connect();
 * const socket = await sockets.next();
 * socket.open();
 * socket.receive(helloFrame());
 * client.state.value; // "open"
 * ```
 */
import type { ServerFrameOf } from "../protocol/mod.ts";
import { createVirtualClock, type VirtualClock } from "../time/clock.ts";
import { createSeededRandom } from "../time/random.ts";
import { type ChatClient, type ChatClientOptions, createChatClient } from "./client.ts";
import { createMemoryOutboxStore } from "./outbox_store.ts";
import { createManualPageEvents, type ManualPageEvents } from "./page_events.ts";
import type { WebSocketFactory, WebSocketLike } from "./websocket_transport.ts";

/** A frame the client sent, parsed from JSON. */
export type SentFrame = { type: string } & Record<string, unknown>;

/** A socket the test plays the server of. */
export interface FakeSocket extends WebSocketLike {
  readonly url: string;
  readonly protocols: readonly string[];
  /** Every frame the client sent, in order. */
  readonly sent: SentFrame[];
  /** How the client closed it, if it did. */
  readonly closedByClient: { code?: number; reason?: string } | null;
  /** The server accepts the upgrade. */
  open(): void;
  /** The server sends a frame (an object is sent as JSON). */
  receive(frame: object | string): void;
  /** The connection ends from the server's side (or the network's). */
  serverClose(code: number, reason?: string): void;
  /** The frames of one type the client sent. */
  sentOfType(type: string): SentFrame[];
}

/** A WebSocket factory and the sockets it made. */
export interface FakeWebSockets {
  readonly create: WebSocketFactory;
  readonly sockets: readonly FakeSocket[];
  /** The next socket not yet handed out by `next`, waiting for it if needed. */
  next(): Promise<FakeSocket>;
}

/** Waiters for items created one by one. */
function createQueue<T>() {
  const items: T[] = [];
  const waiters: ((item: T) => void)[] = [];
  let taken = 0;
  return {
    items,
    add(item: T) {
      items.push(item);
      const waiter = waiters.shift();
      if (waiter) waiter(items[taken++]);
    },
    next(): Promise<T> {
      if (taken < items.length) return Promise.resolve(items[taken++]);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Creates {@linkcode FakeWebSockets}. */
export function createFakeWebSockets(): FakeWebSockets {
  const queue = createQueue<FakeSocket>();

  const create: WebSocketFactory = (url, protocols) => {
    const sent: SentFrame[] = [];
    const socket: FakeSocket = {
      url,
      protocols,
      sent,
      readyState: 0,
      closedByClient: null,
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
      send(data) {
        if (socket.readyState !== 1) throw new Error("fake socket: send while not open");
        sent.push(JSON.parse(data));
      },
      close(code, reason) {
        Object.assign(socket, { closedByClient: { code, reason }, readyState: 3 });
      },
      open() {
        Object.assign(socket, { readyState: 1 });
        socket.onopen?.(new Event("open"));
      },
      receive(frame) {
        const data = typeof frame === "string" ? frame : JSON.stringify(frame);
        socket.onmessage?.(new MessageEvent("message", { data }));
      },
      serverClose(code, reason = "") {
        Object.assign(socket, { readyState: 3 });
        socket.onclose?.(new CloseEvent("close", { code, reason }));
      },
      sentOfType: (type) => sent.filter((frame) => frame.type === type),
    };
    queue.add(socket);
    return socket;
  };

  return { create, sockets: queue.items, next: queue.next };
}

/** A `hello` as the server sends it, with `overrides`. */
export function helloFrame(
  overrides: Partial<ServerFrameOf<"hello">> = {},
): ServerFrameOf<"hello"> {
  return {
    type: "hello",
    v: 1,
    session: "session-1",
    user: { id: "u-ada", name: "ada", role: "user" },
    server_time: 0,
    heartbeat_ms: 25_000,
    token_expires_at: 900_000,
    limits: { max_frame_bytes: 65_536, max_text_chars: 4_000, rate: { burst: 20, per_second: 5 } },
    features: ["rooms", "history", "resume", "presence", "typing", "idempotent_send"],
    instance: "test",
    ...overrides,
  };
}

/** One `GET /api/events` the client opened. */
export interface FakeEventStream {
  readonly headers: Headers;
  /** The client aborted the request. */
  readonly aborted: boolean;
  /** The server sends a frame as one event. */
  push(frame: object): void;
  /** The server ends the stream. */
  end(): void;
}

/** One `POST /api/send` the client made. */
export interface FakePost {
  readonly url: URL;
  readonly headers: Headers;
  readonly body: unknown;
}

/** A `fetch` serving the fallback endpoints from a script. */
export interface FakeHttp {
  readonly fetch: typeof fetch;
  readonly streams: readonly FakeEventStream[];
  readonly posts: readonly FakePost[];
  nextStream(): Promise<FakeEventStream>;
  nextPost(): Promise<FakePost>;
  /** Statuses to refuse the next `GET /api/events` with, in order; then it streams. */
  refuseEvents: number[];
  /** The status `POST /api/send` answers. */
  sendStatus: number;
}

/** Creates a {@linkcode FakeHttp}; other paths answer 404. */
export function createFakeHttp(): FakeHttp {
  const streams = createQueue<FakeEventStream>();
  const posts = createQueue<FakePost>();
  const encoder = new TextEncoder();

  const openStream = (request: Request): Response => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    const stream = {
      headers: request.headers,
      aborted: false,
      push(frame: object) {
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(frame)}\n\n`));
      },
      end: () => controller.close(),
    };
    request.signal.addEventListener("abort", () => {
      stream.aborted = true;
      try {
        controller.error(new DOMException("aborted", "AbortError"));
      } catch {
        // Already closed by the server side.
      }
    });
    streams.add(stream);
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  };

  const fake: FakeHttp = {
    async fetch(input, init) {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (url.pathname === "/api/events") {
        const refusal = fake.refuseEvents.shift();
        if (refusal !== undefined) {
          return Response.json({ error: { code: "internal", message: "refused by the script" } }, {
            status: refusal,
          });
        }
        return openStream(request);
      }
      if (url.pathname === "/api/send") {
        posts.add({ url, headers: request.headers, body: await request.json() });
        return new Response(null, { status: fake.sendStatus });
      }
      return new Response("not found", { status: 404 });
    },
    streams: streams.items,
    posts: posts.items,
    nextStream: streams.next,
    nextPost: posts.next,
    refuseEvents: [],
    sendStatus: 204,
  };
  return fake;
}

/** A `Storage` in memory, e.g. to remember fallback mode across two clients in a test. */
export function createMemoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    key: (index) => [...items.keys()][index] ?? null,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
  };
}

/** A real client wired to fakes, in virtual time. */
export interface ClientHarness {
  client: ChatClient;
  clock: VirtualClock;
  sockets: FakeWebSockets;
  http: FakeHttp;
  page: ManualPageEvents;
  /** Transition and diagnostic lines the client logged. */
  logs: string[];
  /** Tokens handed out by `refreshToken`, in order. */
  refreshes: string[];
  /** Waits for the next socket, opens it and sends `hello`. */
  openSocket(hello?: Partial<ServerFrameOf<"hello">>): Promise<FakeSocket>;
}

/**
 * Creates a {@linkcode ClientHarness}: tokens `token-0`, `token-1`… (each
 * `refreshToken` makes the next), a seeded random source, a memory outbox and
 * no fallback memory unless `options` say otherwise.
 */
export function createClientHarness(options: ChatClientOptions = {}): ClientHarness {
  const clock = createVirtualClock(1_000_000);
  const sockets = createFakeWebSockets();
  const http = createFakeHttp();
  const page = createManualPageEvents();
  const logs: string[] = [];
  const refreshes: string[] = [];
  let token = "token-0";
  const client = createChatClient({
    origin: "http://switchboard.test",
    clock,
    random: createSeededRandom(1),
    createWebSocket: sockets.create,
    fetch: http.fetch,
    outboxStore: createMemoryOutboxStore(),
    storage: null,
    pageEvents: page,
    log: (line) => logs.push(line),
    getToken: () => Promise.resolve(token),
    refreshToken: () => {
      token = `token-${refreshes.length + 1}`;
      refreshes.push(token);
      return Promise.resolve(token);
    },
    ...options,
  });
  return {
    client,
    clock,
    sockets,
    http,
    page,
    logs,
    refreshes,
    async openSocket(hello) {
      const socket = await sockets.next();
      socket.open();
      socket.receive(helloFrame(hello));
      return socket;
    },
  };
}

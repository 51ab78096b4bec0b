/**
 * A test client for `/api/ws`: opens a socket with the contract's
 * subprotocols and lets a test await the next frame or the close.
 *
 * @example
 * ```ts
 * await using client = await openSocket(server.wsUrl, { token });
 * const hello = await client.next(); // { type: "hello", ... }
 * ```
 */
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../../lib/protocol/version.ts";
import type { ServerFrame } from "../../lib/protocol/frames.ts";
import { createFrameQueue } from "./frame_queue.ts";

/** How to open the socket. */
export interface OpenOptions {
  /** Sent as `switchboard.bearer.<token>`. */
  token?: string;
  /** Replaces the default subprotocols entirely. */
  protocols?: string[];
  headers?: Record<string, string>;
}

/** An open test socket. */
export interface TestSocket extends AsyncDisposable {
  socket: WebSocket;
  /** The next frame not yet taken (waits for it). */
  next(): Promise<ServerFrame>;
  /** The next frame of `type`, skipping others (server pings, typically). */
  nextOf<T extends ServerFrame["type"]>(type: T): Promise<Extract<ServerFrame, { type: T }>>;
  /** The first frame not yet taken that `match`es, leaving the others for later. */
  take(match: (frame: ServerFrame) => boolean): Promise<ServerFrame>;
  send(frame: unknown): void;
  /** Resolves with the close event. */
  closed: Promise<CloseEvent>;
}

/** Opens a socket; resolves once it is open (the server may close it right after). */
export async function openSocket(url: string, options: OpenOptions = {}): Promise<TestSocket> {
  const protocols = options.protocols ??
    [PROTOCOL, ...(options.token ? [BEARER_PROTOCOL_PREFIX + options.token] : [])];
  // Deno takes `{ protocols, headers }` (a non-browser client may send Authorization), but the
  // DOM typings this project also loads know only the browser's `protocols` argument.
  const init = { protocols, headers: options.headers } as unknown as string[];
  const socket = new WebSocket(url, init);
  const frames = createFrameQueue();
  const closed = Promise.withResolvers<CloseEvent>();
  socket.onmessage = (event) => frames.push(JSON.parse(event.data) as ServerFrame);
  socket.onclose = (event) => closed.resolve(event);
  const opened = Promise.withResolvers<void>();
  socket.onopen = () => opened.resolve();
  socket.onerror = () => opened.reject(new Error("socket failed to open"));
  await opened.promise;

  return {
    socket,
    next: frames.next,
    nextOf: frames.nextOf,
    take: frames.take,
    send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    closed: closed.promise,
    async [Symbol.asyncDispose]() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close();
      await closed.promise;
    },
  };
}

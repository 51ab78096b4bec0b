/**
 * Raw TCP clients for the connection attacks: half-sent request heads that
 * are then left alone, and plain one-shot requests that say whether the
 * server refused the connection (closed it without a byte) or answered. All
 * to 127.0.0.1 only.
 *
 * @example
 * ```ts
 * const heads = await openHalfHeads(port, 1000);
 * await heads.refusedAtLeast(100); // the server closed 100 of them unanswered
 * const ends = await heads.ended(); // every one, once the server timed it out
 * await rawRequest(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); // "refused" or "HTTP/1.1 200 OK…"
 * ```
 */

/** How a connection ended, seen from the client. */
export interface ConnectionEnd {
  /** What the server sent before closing ("" if it closed at once: refused at accept). */
  received: string;
  /** Milliseconds from the connect to the close. */
  afterMs: number;
}

/** An open connection left waiting on the server. */
export interface HeldConnection {
  conn: Deno.TcpConn;
  /** Resolves once the connection closed (by the server, or by `conn.close()`). */
  ended: Promise<ConnectionEnd>;
  /** Whether `ended` has resolved. */
  isEnded(): boolean;
}

/** Many held connections. */
export interface HeldConnections {
  all: HeldConnection[];
  /** How many ended so far, and how many of those were refused. */
  counts(): { ended: number; refused: number };
  /** Resolves once the server has refused (closed unanswered) at least `count` of them. */
  refusedAtLeast(count: number): Promise<void>;
  /** Resolves with every connection's end. */
  ended(): Promise<ConnectionEnd[]>;
}

/** The start of a request head, never finished. */
export const HALF_HEAD = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";

/** Connections opened at once; more would overflow the listen queue and wait for SYN retries. */
const BATCH = 100;

/** Connects to `port` and sends `bytes` (nothing if empty), keeping the connection open. */
export async function hold(port: number, bytes: string): Promise<HeldConnection> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const connectedAt = performance.now();
  // A refused connection may be reset before the write lands; its end tells.
  if (bytes) await conn.write(new TextEncoder().encode(bytes)).catch(() => 0);
  let isEnded = false;
  const ended = (async () => {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    let received = "";
    try {
      for (let read = await conn.read(buffer); read !== null; read = await conn.read(buffer)) {
        received += decoder.decode(buffer.subarray(0, read));
      }
    } catch {
      // Reset by the server: ended too.
    }
    isEnded = true;
    return { received, afterMs: performance.now() - connectedAt };
  })();
  return { conn, ended, isEnded: () => isEnded };
}

/** Opens `count` connections that each send {@linkcode HALF_HEAD} and nothing more. */
export async function openHalfHeads(port: number, count: number): Promise<HeldConnections> {
  const all: HeldConnection[] = [];
  let refused = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const onEnd = ({ received }: ConnectionEnd) => {
    if (received !== "") return;
    refused++;
    for (const waiter of waiters.filter((waiter) => refused >= waiter.count)) waiter.resolve();
  };
  for (let start = 0; start < count; start += BATCH) {
    const size = Math.min(BATCH, count - start);
    const batch = await Promise.all(Array.from({ length: size }, () => hold(port, HALF_HEAD)));
    for (const held of batch) held.ended.then(onEnd);
    all.push(...batch);
  }
  return {
    all,
    counts: () => ({ ended: all.filter((held) => held.isEnded()).length, refused }),
    refusedAtLeast(target) {
      if (refused >= target) return Promise.resolve();
      const waiter = Promise.withResolvers<void>();
      waiters.push({ count: target, resolve: waiter.resolve });
      return waiter.promise;
    },
    ended: () => Promise.all(all.map((held) => held.ended)),
  };
}

/**
 * Sends one whole request on a new connection and reads to the end:
 * `"refused"` if the server closed it without a byte, else what it answered.
 */
export async function rawRequest(port: number, request: string): Promise<string> {
  const held = await hold(port, request);
  const { received } = await held.ended;
  held.conn.close();
  return received === "" ? "refused" : received;
}

/** A `GET` of `path` that asks the server to close the connection after answering. */
export function getRequest(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
}

/**
 * `promise`, or a failure naming `what` (evaluated then, if a function) if it
 * has not settled after `ms`: without the protection, the server would never
 * close these connections.
 */
export async function within<T>(
  ms: number,
  what: string | (() => string),
  promise: Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const name = typeof what === "string" ? what : what();
      reject(new Error(`${name}: not within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes every held connection (those the server closed already included). */
export function closeAll(connections: HeldConnection[]): void {
  for (const { conn } of connections) {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

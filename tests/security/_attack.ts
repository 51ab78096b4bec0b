/**
 * Tools the attack tests share: a raw HTTP/1.1 client that streams a huge
 * request body the way an attacker would (declared or chunked, stopping once
 * the server answered), a sampler of a server process's peak memory, tokens
 * a server process accepts, and a proof that it still serves everyone else.
 *
 * @example
 * ```ts
 * const peak = watchPeakRss(server.pid);
 * const answer = await pushHugeBody(server.port, "/api/login", { declareLength: true });
 * answer.status; // 413
 * const growth = (await peak.stop()) - before;
 * ```
 */
import { equal, ok } from "node:assert/strict";
import { readRssBytes } from "../../bench/process_stats.ts";
import { createTokenIssuer } from "../../lib/server/auth/tokens.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { TEST_SECRET } from "../_helpers/server.ts";
import type { ServerProcess } from "../_helpers/server_process.ts";
import { openSocket, type TestSocket } from "../_helpers/socket.ts";

/** What the server answered a raw request: its status line and headers. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  /** Body bytes the client managed to write before the server answered or hung up. */
  sentBytes: number;
}

/** Options of {@linkcode pushHugeBody}. */
export interface HugeBodyOptions {
  /** `Content-Length: <totalBytes>` when true, `Transfer-Encoding: chunked` when false. */
  declareLength: boolean;
  /** Default 128 MiB. */
  totalBytes?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

const CHUNK = new Uint8Array(64 * 1024).fill(0x20); // JSON whitespace, so no parser stops early
const encoder = new TextEncoder();

async function readAnswerHead(conn: Deno.Conn): Promise<{ status: number; headers: Headers }> {
  const decoder = new TextDecoder();
  let text = "";
  const buffer = new Uint8Array(16 * 1024);
  while (!text.includes("\r\n\r\n")) {
    const read = await conn.read(buffer);
    if (read === null) throw new Error(`connection closed before an answer: ${text}`);
    text += decoder.decode(buffer.subarray(0, read));
  }
  const [statusLine, ...lines] = text.slice(0, text.indexOf("\r\n\r\n")).split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers };
}

/**
 * POSTs a body of `totalBytes` to `path` on 127.0.0.1 over a raw socket,
 * writing 64 KiB at a time until the server answers or hangs up, then closes.
 */
export async function pushHugeBody(
  port: number,
  path: string,
  options: HugeBodyOptions,
): Promise<RawAnswer> {
  const total = options.totalBytes ?? 128 * 1024 * 1024;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Content-Type: application/json",
    options.declareLength ? `Content-Length: ${total}` : "Transfer-Encoding: chunked",
    ...Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    "",
    "",
  ].join("\r\n");
  let answered = false;
  const answer = readAnswerHead(conn).finally(() => (answered = true));
  answer.catch(() => {});
  let sentBytes = 0;
  try {
    await writeAll(conn, encoder.encode(head));
    const chunkHeader = encoder.encode(`${CHUNK.byteLength.toString(16)}\r\n`);
    const crlf = encoder.encode("\r\n");
    while (!answered && sentBytes < total) {
      if (!options.declareLength) await writeAll(conn, chunkHeader);
      await writeAll(conn, CHUNK);
      if (!options.declareLength) await writeAll(conn, crlf);
      sentBytes += CHUNK.byteLength;
    }
    if (!answered && !options.declareLength) await writeAll(conn, encoder.encode("0\r\n\r\n"));
  } catch {
    // The server hung up on the body: what it answered before is what counts.
  }
  try {
    const { status, headers } = await answer;
    return { status, headers, sentBytes };
  } finally {
    try {
      conn.close();
    } catch {
      // already closed by the server
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength;) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/** Samples a process's RSS every 25 ms until stopped; `stop` resolves with the highest seen. */
export function watchPeakRss(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const sampling = (async () => {
    while (running) {
      peak = Math.max(peak, await readRssBytes(pid));
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    peak = Math.max(peak, await readRssBytes(pid));
  })();
  return {
    async stop() {
      running = false;
      await sampling;
      return peak;
    },
  };
}

/**
 * The process's RSS growth over `before` once it is back under `slack`, or
 * after 5 s if it never gets there: memory freed with a socket's close comes
 * back a moment after it.
 */
export async function settledGrowth(pid: number, before: number, slack: number): Promise<number> {
  let growth = await readRssBytes(pid) - before;
  for (let wait = 0; growth >= slack && wait < 50; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    growth = await readRssBytes(pid) - before;
  }
  return growth;
}

/** Bytes as MiB with one decimal, for messages. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const issuer = await createTokenIssuer({
  secrets: [TEST_SECRET],
  ttlS: 3600,
  clock: createSystemClock(),
});

/** An access token the test servers accept, for the user `name`. */
export async function tokenFor(name: string): Promise<string> {
  return (await issuer.sign({ id: `user:${name}`, name, role: "user" })).token;
}

/** A socket of `name` that got its `hello` and joined `room`. */
export async function joinedSocket(
  wsUrl: string,
  name: string,
  room: string,
): Promise<TestSocket> {
  const socket = await openSocket(wsUrl, { token: await tokenFor(name) });
  await socket.nextOf("hello");
  socket.send({ type: "join", room, ref: "join" });
  await socket.nextOf("joined");
  return socket;
}

/**
 * Asserts the process is alive and serving: it answers `/healthz`, and a new
 * client can join a room, send, and get its message back.
 */
export async function assertStillServing(server: ServerProcess): Promise<void> {
  ok(server.running, "the server process is still running");
  const health = await fetch(`${server.origin}/healthz`);
  await health.body?.cancel();
  equal(health.status, 200);
  await using probe = await joinedSocket(
    `ws://127.0.0.1:${server.port}/api/ws`,
    "probe",
    "probe-room",
  );
  probe.send({ type: "send", room: "probe-room", text: "still here?", cid: crypto.randomUUID() });
  equal((await probe.nextOf("ack")).room, "probe-room");
  equal((await probe.nextOf("message")).text, "still here?");
}

/**
 * A time bound on the close handshake of a server-side WebSocket.
 *
 * Once the server closes a Deno WebSocket, Deno (2.9) keeps its connection
 * until the peer's close frame arrives, and it reads whatever comes before
 * that whole: a peer that answers a close by trickling a message of up to
 * 64 MiB (Deno's fixed bound) holds that memory, and the connection, for as
 * long as it likes. Deno has no timeout for this; its idle timeout only runs
 * while the socket is open. So after the server's close, the peer gets
 * `timeoutMs` to finish the handshake, and then the connection is cut: the
 * WebSocket's resource is closed, which cancels the pending read, frees what
 * it had buffered and drops the TCP connection (the WebSocket then reports
 * its close, with code 1005).
 *
 * Closing the resource takes Deno's internal `core.tryClose` and the
 * WebSocket's resource id; no public API reaches either (Deno's own idle
 * timeout does the same thing). Both are looked up when needed: a Deno that
 * no longer has them leaves the connection to the peer, as before, and says
 * so once on the console. `tests/security/big_frames_test.ts` fails if that
 * happens.
 *
 * @example
 * ```ts
 * const { socket, response } = Deno.upgradeWebSocket(req);
 * boundCloseHandshake(socket, 2_000);
 * socket.onopen = () => socket.close(4408, "heartbeat timeout"); // cut 2 s later at most
 * ```
 */

/** How long a peer has to answer the server's close frame, by default. */
export const CLOSE_HANDSHAKE_TIMEOUT_MS = 2_000;

/** The longest close reason a close frame carries, in UTF-8 bytes (RFC 6455, 5.5). */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Makes `socket.close` cut the connection if the close handshake has not
 * completed `timeoutMs` after it. Every close of the socket goes through it,
 * whoever calls it. (Deno reports no event when a close starts, so the
 * socket's own `close` is what can notice.) A reason over 123 bytes is cut
 * to fit, where Deno's `close` would throw.
 */
export function boundCloseHandshake(
  socket: WebSocket,
  timeoutMs: number = CLOSE_HANDSHAKE_TIMEOUT_MS,
): void {
  const close = socket.close.bind(socket);
  let timer: ReturnType<typeof setTimeout> | undefined;
  socket.close = (code?: number, reason?: string) => {
    close(code, reason === undefined ? undefined : fitCloseReason(reason));
    if (timer !== undefined || socket.readyState === WebSocket.CLOSED) return;
    timer = setTimeout(() => {
      if (socket.readyState !== WebSocket.CLOSED) cutConnection(socket);
    }, timeoutMs);
  };
  socket.addEventListener("close", () => clearTimeout(timer));
}

/** `reason` cut to what a close frame can carry, never in the middle of a character. */
export function fitCloseReason(reason: string): string {
  if (reason.length * 3 <= MAX_CLOSE_REASON_BYTES) return reason;
  const { read } = new TextEncoder().encodeInto(reason, new Uint8Array(MAX_CLOSE_REASON_BYTES));
  return reason.slice(0, read);
}

/** Deno's internal core, where the runtime offers it. */
interface DenoCore {
  tryClose(rid: number): void;
}

let warnedUnavailable = false;

/** Closes the WebSocket's resource, which drops its connection (where this Deno lets it). */
function cutConnection(socket: WebSocket): void {
  const internal = Deno as unknown as Record<symbol, { core?: DenoCore } | undefined>;
  const core = internal[(Deno as unknown as { internal: symbol }).internal]?.core;
  const ridKey = Object.getOwnPropertySymbols(socket).find((key) => key.description === "[[rid]]");
  const rid = ridKey && (socket as unknown as Record<symbol, unknown>)[ridKey];
  if (typeof core?.tryClose !== "function" || typeof rid !== "number") {
    if (!warnedUnavailable) {
      warnedUnavailable = true;
      console.warn(
        "this Deno cannot cut a WebSocket whose close handshake does not complete; " +
          "such connections stay until their peer goes",
      );
    }
    return;
  }
  core.tryClose(rid);
}

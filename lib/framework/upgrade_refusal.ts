/**
 * Refusing a WebSocket upgrade with a close code, written on the raw TCP
 * socket of the guarded server, so the socket never becomes one of Deno's
 * WebSockets.
 *
 * Some refusals are close codes rather than HTTP statuses (a browser does
 * not show a script why a handshake failed, but it does show a close code).
 * Under `Deno.serve` that means an upgrade and a close at once; but Deno's
 * WebSocket then reads the client's next message whole, up to 64 MiB, even
 * on a socket it is closing, and waits for the close handshake forever: a
 * client refused for a bad token that trickles a huge frame holds that
 * memory, with no login. Here the server writes the 101 and the close frame
 * itself and ends its side; it then reads and drops at most
 * `maxDiscardBytes` of what the client sends (a close frame in answer is a
 * few bytes; nothing is buffered), and destroys the socket as soon as the
 * client has closed its side, sent more than that, or had `graceMs`.
 *
 * @example
 * ```ts
 * server.on("upgrade", (incoming, socket, head) => {
 *   refuseOnSocket(socket, {
 *     key: incoming.headers["sec-websocket-key"],
 *     offered: incoming.headers["sec-websocket-protocol"],
 *     head,
 *   }, { code: 4401, reason: "token missing", protocol: "chat.v1" });
 * });
 * ```
 */
import type { Socket } from "node:net";
import { type CloseRefusal, type HandedOverSocket } from "./socket_handover.ts";
import { encodeCloseFrame } from "./ws_frame.ts";
import { switchingProtocolsHead, type UpgradeHandshake } from "./ws_handshake.ts";

/** How long and how much a refused client may still send. */
export interface RefusalLimits {
  graceMs: number;
  maxDiscardBytes: number;
}

/** The defaults: a second, and 16 KiB (room for the client's close frame and a few early frames). */
export const REFUSAL_LIMITS: RefusalLimits = { graceMs: 1_000, maxDiscardBytes: 16 * 1024 };

/**
 * Completes the handshake on `socket` and closes it at once with the
 * refusal's code. Throws, writing nothing, when the request cannot be
 * upgraded (no key, or a protocol it did not offer), as
 * `Deno.upgradeWebSocket` does.
 */
export function refuseOnSocket(
  socket: Socket,
  handshake: UpgradeHandshake,
  refusal: CloseRefusal,
  limits: RefusalLimits = REFUSAL_LIMITS,
): void {
  socket.write(switchingProtocolsHead(handshake, refusal.protocol));
  socket.end(encodeCloseFrame(refusal.code, refusal.reason));
  discardUntilGone(socket, handshake.head.byteLength, limits);
}

/** Reads and drops what the client still sends, and destroys the socket once it is done or over a limit. */
function discardUntilGone(socket: Socket, alreadyDiscarded: number, limits: RefusalLimits): void {
  let discarded = alreadyDiscarded;
  const destroy = () => void socket.destroy();
  if (discarded > limits.maxDiscardBytes) return destroy();
  const grace = setTimeout(destroy, limits.graceMs);
  socket.once("close", () => clearTimeout(grace));
  socket.once("end", destroy);
  socket.on("data", (chunk: Uint8Array) => {
    discarded += chunk.byteLength;
    if (discarded > limits.maxDiscardBytes) destroy();
  });
  // The upgrade stopped the handle's reads (so that bytes behind the head would wait for a
  // WebSocket); node:net still counts it as reading, so only the handle can start them again.
  (socket as unknown as HandedOverSocket)._handle?.readStart();
}
